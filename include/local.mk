noinst_HEADERS = include/pkcs11-v3.h
