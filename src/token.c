/* token.c: to be written. */
