/* mech.c: to be written. */
