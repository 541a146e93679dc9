/*
 * fuzz.h: what the fuzz targets share. Each target defines
 * LLVMFuzzerTestOneInput; it runs under libFuzzer (scripts/fuzz, clang) and
 * under replay.c (make check, any compiler), which feeds it the committed
 * corpus. Card responses come from the input through the fuzz transport.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_FUZZ_H
#define JPKI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "pkcs11-v3.h"
#include "transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input the transports of this run answer from. Each transmit takes one
 * chunk: a 2-byte big-endian length L, then L bytes of response (data +
 * SW1 SW2; cut short where the input ends). L >= 0xFFF0 is a transport
 * failure instead (reset, removal, ...), so the error paths get fuzzed too.
 * A transaction's begin looks at the next chunk: if its L is in
 * FUZZ_BEGIN_BASE .. +15, it takes those two bytes and answers a failure or
 * a reset (fuzz_transport.c lists them) instead of JPKI_OK; any other chunk
 * stays for the next transmit. An exhausted input is a removed card. */
#define FUZZ_BEGIN_BASE 0xFFE0
/* The begin results, by L - FUZZ_BEGIN_BASE (modulo their count). */
enum fuzz_begin_result {
    FUZZ_BEGIN_NO_CARD, FUZZ_BEGIN_RESET, FUZZ_BEGIN_NO_READER, FUZZ_BEGIN_NO_SERVICE,
    FUZZ_BEGIN_COMM, FUZZ_BEGIN_NO_MEMORY, FUZZ_BEGIN_TIMEOUT, FUZZ_BEGIN_CANCELLED,
    FUZZ_BEGIN_RESULTS
};
void fuzz_input_reset(const uint8_t *data, size_t size);
/* Bytes not consumed yet (for targets that take a header first). */
size_t fuzz_input_take(uint8_t *out, size_t n);
jpki_transport *fuzz_transport_new(void);

/* Seed making (seed.c): when set, transmit asks this card instead of the
 * input and appends each answer, in the chunk format above, to a buffer. */
typedef void (*fuzz_card_fn)(const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                             size_t *resp_len);
void fuzz_record_start(fuzz_card_fn card);
/* The recording so far (owned by the transport until the next start). */
const uint8_t *fuzz_record_get(size_t *len);
/* Adds raw bytes to the recording (a target's header). */
void fuzz_record_append(const uint8_t *p, size_t n);
/* While recording, the nth begin (from 1; 0: none) answers result instead
 * of JPKI_OK, and the recording says so. */
void fuzz_record_begin_fault(unsigned nth, enum fuzz_begin_result result);
/* How many begins the recording so far has seen. */
unsigned fuzz_record_begins(void);
int fuzz_recording(void);

/* Every attribute the module knows of, and some it does not. */
static const CK_ATTRIBUTE_TYPE fuzz_attr_types[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_APPLICATION, CKA_VALUE, CKA_OBJECT_ID,
    CKA_CERTIFICATE_TYPE, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_TRUSTED, CKA_CERTIFICATE_CATEGORY,
    CKA_JAVA_MIDP_SECURITY_DOMAIN, CKA_URL, CKA_HASH_OF_SUBJECT_PUBLIC_KEY,
    CKA_HASH_OF_ISSUER_PUBLIC_KEY, CKA_NAME_HASH_ALGORITHM, CKA_CHECK_VALUE, CKA_KEY_TYPE,
    CKA_SUBJECT, CKA_ID, CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP,
    CKA_SIGN, CKA_SIGN_RECOVER, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_DERIVE, CKA_START_DATE,
    CKA_END_DATE, CKA_MODULUS, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
    CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
    CKA_PUBLIC_KEY_INFO, CKA_EXTRACTABLE, CKA_LOCAL, CKA_NEVER_EXTRACTABLE,
    CKA_ALWAYS_SENSITIVE, CKA_KEY_GEN_MECHANISM, CKA_MODIFIABLE, CKA_COPYABLE,
    CKA_DESTROYABLE, CKA_ALWAYS_AUTHENTICATE, CKA_WRAP_WITH_TRUSTED, CKA_ALLOWED_MECHANISMS,
    CKA_PROFILE_ID, CKA_EC_PARAMS, CKA_EC_POINT, CKA_VENDOR_DEFINED, 0x7FFFFFFFUL,
};
#define FUZZ_ATTR_COUNT (sizeof fuzz_attr_types / sizeof fuzz_attr_types[0])

#endif
