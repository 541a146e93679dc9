/* pkcs11.c: to be written. */
