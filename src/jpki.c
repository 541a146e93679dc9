/* jpki.c: to be written. */
