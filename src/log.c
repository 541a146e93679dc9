/* log.c: to be written. */
