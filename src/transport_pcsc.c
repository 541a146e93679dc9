/* transport_pcsc.c: to be written. */
