/* session.c: to be written. */
