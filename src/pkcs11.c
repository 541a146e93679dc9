/*
 * pkcs11.c: the module's face. Every entry point checks what PKCS#11 asks
 * of the caller (initialised? arguments? session?) and then makes one call
 * into the layer below. Only C_GetFunctionList, C_GetInterfaceList and
 * C_GetInterface are exported; everything else is reached through the
 * function lists.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "locking.h"
#include "log.h"
#include "mech.h"
#include "pkcs11_stubs.h"
#include "session.h"
#include "session_ops.h"
#include "slot.h"

#define JPKI_EXPORT __attribute__((visibility("default")))

/* Serialises C_Initialize and C_Finalize; an OS mutex whatever the
 * application chose, because it exists before the application's choice. */
static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int initialized;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static bool module_ready(void)
{
    return atomic_load(&initialized) != 0;
}

static CK_RV done(const char *name, CK_RV rv)
{
    jpki_log(JPKI_LOG_CALL, "%s = 0x%08lx", name, (unsigned long)rv);
    return rv;
}

CK_RV jpki_module_unsupported(const char *name, CK_RV rv)
{
    return done(name, module_ready() ? rv : CKR_CRYPTOKI_NOT_INITIALIZED);
}

/* The guard every entry point starts and ends with. */
#define ENTER()                                  \
    CK_RV rv = CKR_CRYPTOKI_NOT_INITIALIZED;     \
    if (!module_ready())                         \
        goto out
#define REQUIRE(cond)                            \
    do {                                         \
        if (!(cond)) {                           \
            rv = CKR_ARGUMENTS_BAD;              \
            goto out;                            \
        }                                        \
    } while (0)
/* Runs call with the session acquired as `s`. */
#define WITH_SESSION(handle, call)                      \
    do {                                                \
        jpki_session *s = NULL;                         \
        rv = jpki_session_acquire((handle), &s);        \
        if (rv == CKR_OK) {                             \
            rv = (call);                                \
            jpki_session_release(s);                    \
        }                                               \
    } while (0)
#define LEAVE(name) \
    out:            \
    return done(name, rv)

/* fork(): the child has the parent's memory but must not use its PC/SC
 * handles or locks; it starts over at C_Initialize. */
static void atfork_child(void)
{
    atomic_store(&initialized, 0);
    jpki_log_atfork_child();
    jpki_sessions_forget();
    jpki_slots_forget();
    pthread_mutex_init(&init_mutex, NULL);
}

/* Unloaded (dlclose, or the process exits) without C_Finalize: the auth
 * key must not stay verified on the card for the next program. */
__attribute__((destructor)) static void module_unload(void)
{
    pthread_mutex_lock(&init_mutex);
    if (module_ready())
        jpki_slots_unload();
    pthread_mutex_unlock(&init_mutex);
}

static void register_atfork(void)
{
    (void)pthread_atfork(NULL, NULL, atfork_child);
}

static CK_RV jpki_c_initialize(CK_VOID_PTR pInitArgs)
{
    CK_RV rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
    pthread_mutex_lock(&init_mutex);
    if (module_ready())
        goto out;
    rv = jpki_lock_configure(pInitArgs);
    if (rv != CKR_OK)
        goto out;
    (void)pthread_once(&atfork_once, register_atfork);
    jpki_log_init();
    rv = jpki_slots_init();
    if (rv == CKR_OK)
        atomic_store(&initialized, 1);
out:
    pthread_mutex_unlock(&init_mutex);
    return done("C_Initialize", rv);
}

static CK_RV jpki_c_finalize(CK_VOID_PTR pReserved)
{
    CK_RV rv = CKR_CRYPTOKI_NOT_INITIALIZED;
    pthread_mutex_lock(&init_mutex);
    if (!module_ready())
        goto out;
    rv = CKR_ARGUMENTS_BAD;
    if (pReserved != NULL)
        goto out;
    atomic_store(&initialized, 0);
    jpki_slots_cancel_waits();
    jpki_sessions_fini();
    jpki_slots_fini();
    rv = CKR_OK;
out:
    pthread_mutex_unlock(&init_mutex);
    done("C_Finalize", rv);
    if (rv == CKR_OK)
        jpki_log_close();
    return rv;
}

static void pad_copy(CK_UTF8CHAR *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    memset(dst, ' ', cap);
    memcpy(dst, src, n < cap ? n : cap);
}

static void fill_info(CK_INFO *info, CK_BYTE major, CK_BYTE minor)
{
    memset(info, 0, sizeof(*info));
    info->cryptokiVersion.major = major;
    info->cryptokiVersion.minor = minor;
    pad_copy(info->manufacturerID, sizeof(info->manufacturerID), "jpki-pkcs11");
    pad_copy(info->libraryDescription, sizeof(info->libraryDescription),
             "JPKI (My Number Card) PKCS#11");
    /* PACKAGE_VERSION is "major.minor.patch". */
    char *end = NULL;
    unsigned long v_major = strtoul(PACKAGE_VERSION, &end, 10);
    unsigned long v_minor = (end != NULL && *end == '.') ? strtoul(end + 1, NULL, 10) : 0;
    info->libraryVersion.major = (CK_BYTE)(v_major > 255 ? 255 : v_major);
    info->libraryVersion.minor = (CK_BYTE)(v_minor > 255 ? 255 : v_minor);
}

static CK_RV jpki_c_get_info(CK_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    fill_info(pInfo, 2, 40);
    rv = CKR_OK;
    LEAVE("C_GetInfo");
}

static CK_RV jpki_c_get_info_v3(CK_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    fill_info(pInfo, 3, 0);
    rv = CKR_OK;
    LEAVE("C_GetInfo");
}

static CK_RV jpki_c_get_slot_list(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList,
                                  CK_ULONG_PTR pulCount)
{
    ENTER();
    REQUIRE(pulCount != NULL);
    rv = jpki_slot_list(tokenPresent != CK_FALSE, pSlotList, pulCount);
    LEAVE("C_GetSlotList");
}

static CK_RV jpki_c_get_slot_info(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_slot_get_info(slotID, pInfo);
    LEAVE("C_GetSlotInfo");
}

static CK_RV jpki_c_get_token_info(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_slot_get_token_info(slotID, pInfo);
    LEAVE("C_GetTokenInfo");
}

static CK_RV jpki_c_wait_for_slot_event(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot,
                                        CK_VOID_PTR pReserved)
{
    ENTER();
    REQUIRE(pSlot != NULL && pReserved == NULL);
    rv = jpki_slot_wait_event(flags, pSlot);
    LEAVE("C_WaitForSlotEvent");
}

static CK_RV jpki_c_get_mechanism_list(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                                       CK_ULONG_PTR pulCount)
{
    ENTER();
    REQUIRE(pulCount != NULL);
    rv = jpki_slot_check_id(slotID);
    if (rv == CKR_OK)
        rv = jpki_mech_list(pMechanismList, pulCount);
    LEAVE("C_GetMechanismList");
}

static CK_RV jpki_c_get_mechanism_info(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
                                       CK_MECHANISM_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_slot_check_id(slotID);
    if (rv == CKR_OK)
        rv = jpki_mech_info(type, pInfo);
    LEAVE("C_GetMechanismInfo");
}

static CK_RV jpki_c_set_pin(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin,
                            CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
    ENTER();
    REQUIRE((pOldPin != NULL || ulOldLen == 0) && (pNewPin != NULL || ulNewLen == 0));
    /* PKCS#11 allows C_SetPIN only in read-write sessions. */
    WITH_SESSION(hSession, (s->flags & CKF_RW_SESSION)
                               ? jpki_set_pin(s, pOldPin, ulOldLen, pNewPin, ulNewLen)
                               : CKR_SESSION_READ_ONLY);
    LEAVE("C_SetPIN");
}

static CK_RV jpki_c_open_session(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
                                 CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
    (void)pApplication;
    (void)Notify;  /* no callbacks: nothing here is slow enough to need them */
    ENTER();
    REQUIRE(phSession != NULL);
    rv = CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    if (!(flags & CKF_SERIAL_SESSION))
        goto out;
    rv = jpki_session_open(slotID, flags, phSession);
    LEAVE("C_OpenSession");
}

static CK_RV jpki_c_close_session(CK_SESSION_HANDLE hSession)
{
    ENTER();
    rv = jpki_session_close(hSession);
    LEAVE("C_CloseSession");
}

static CK_RV jpki_c_close_all_sessions(CK_SLOT_ID slotID)
{
    ENTER();
    rv = jpki_session_close_all(slotID);
    LEAVE("C_CloseAllSessions");
}

static CK_RV jpki_c_get_session_info(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_session_get_info(hSession, pInfo);
    LEAVE("C_GetSessionInfo");
}

static CK_RV jpki_c_login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
                          CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    ENTER();
    /* No PIN pad support: a NULL PIN is never a request for one. */
    REQUIRE(pPin != NULL);
    WITH_SESSION(hSession, jpki_login(s, userType, pPin, ulPinLen));
    LEAVE("C_Login");
}

static CK_RV jpki_c_logout(CK_SESSION_HANDLE hSession)
{
    ENTER();
    WITH_SESSION(hSession, jpki_logout(s));
    LEAVE("C_Logout");
}

static CK_RV jpki_c_create_object(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
                                  CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)
{
    ENTER();
    REQUIRE((pTemplate != NULL || ulCount == 0) && phObject != NULL);
    WITH_SESSION(hSession, CKR_TOKEN_WRITE_PROTECTED);
    LEAVE("C_CreateObject");
}

static CK_RV jpki_c_copy_object(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                                CK_OBJECT_HANDLE_PTR phNewObject)
{
    ENTER();
    REQUIRE((pTemplate != NULL || ulCount == 0) && phNewObject != NULL);
    WITH_SESSION(hSession, jpki_object_refuse(s, hObject, CKR_TOKEN_WRITE_PROTECTED));
    LEAVE("C_CopyObject");
}

static CK_RV jpki_c_destroy_object(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    ENTER();
    WITH_SESSION(hSession, jpki_object_refuse(s, hObject, CKR_ACTION_PROHIBITED));
    LEAVE("C_DestroyObject");
}

static CK_RV jpki_c_get_object_size(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                    CK_ULONG_PTR pulSize)
{
    ENTER();
    REQUIRE(pulSize != NULL);
    WITH_SESSION(hSession, jpki_get_object_size(s, hObject, pulSize));
    LEAVE("C_GetObjectSize");
}

static CK_RV jpki_c_get_attribute_value(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                        CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    ENTER();
    REQUIRE(pTemplate != NULL || ulCount == 0);
    WITH_SESSION(hSession, jpki_get_attributes(s, hObject, pTemplate, ulCount));
    LEAVE("C_GetAttributeValue");
}

static CK_RV jpki_c_set_attribute_value(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                        CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    ENTER();
    REQUIRE(pTemplate != NULL || ulCount == 0);
    WITH_SESSION(hSession, jpki_object_refuse(s, hObject, CKR_ACTION_PROHIBITED));
    LEAVE("C_SetAttributeValue");
}

static CK_RV jpki_c_find_objects_init(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
                                      CK_ULONG ulCount)
{
    ENTER();
    REQUIRE(pTemplate != NULL || ulCount == 0);
    WITH_SESSION(hSession, jpki_find_init(s, pTemplate, ulCount));
    LEAVE("C_FindObjectsInit");
}

static CK_RV jpki_c_find_objects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                                 CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
    ENTER();
    REQUIRE((phObject != NULL || ulMaxObjectCount == 0) && pulObjectCount != NULL);
    WITH_SESSION(hSession, jpki_find_next(s, phObject, ulMaxObjectCount, pulObjectCount));
    LEAVE("C_FindObjects");
}

static CK_RV jpki_c_find_objects_final(CK_SESSION_HANDLE hSession)
{
    ENTER();
    WITH_SESSION(hSession, jpki_find_final(s));
    LEAVE("C_FindObjectsFinal");
}

static CK_RV jpki_c_sign_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                              CK_OBJECT_HANDLE hKey)
{
    ENTER();
    REQUIRE(pMechanism != NULL);
    WITH_SESSION(hSession, jpki_sign_init(s, pMechanism, hKey));
    LEAVE("C_SignInit");
}

static CK_RV jpki_c_sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                         CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    ENTER();
    REQUIRE((pData != NULL || ulDataLen == 0) && pulSignatureLen != NULL);
    WITH_SESSION(hSession, jpki_sign_once(s, pData, ulDataLen, pSignature, pulSignatureLen));
    LEAVE("C_Sign");
}

static CK_RV jpki_c_sign_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    ENTER();
    REQUIRE(pPart != NULL || ulPartLen == 0);
    WITH_SESSION(hSession, jpki_sign_update(s, pPart, ulPartLen));
    LEAVE("C_SignUpdate");
}

static CK_RV jpki_c_sign_final(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                               CK_ULONG_PTR pulSignatureLen)
{
    ENTER();
    REQUIRE(pulSignatureLen != NULL);
    WITH_SESSION(hSession, jpki_sign_final(s, pSignature, pulSignatureLen));
    LEAVE("C_SignFinal");
}


/* The two interfaces, in order of preference. */
static CK_FUNCTION_LIST function_list_2_40;
static CK_FUNCTION_LIST_3_0 function_list_3_0;
static CK_UTF8CHAR interface_name[] = "PKCS 11";
static CK_INTERFACE interfaces[] = {
    { interface_name, &function_list_3_0, 0 },
    { interface_name, &function_list_2_40, 0 },
};
#define N_INTERFACES (sizeof(interfaces) / sizeof(interfaces[0]))

/* Callable before C_Initialize, as the specification requires. */
JPKI_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
    if (ppFunctionList == NULL)
        return done("C_GetFunctionList", CKR_ARGUMENTS_BAD);
    *ppFunctionList = &function_list_2_40;
    return done("C_GetFunctionList", CKR_OK);
}

JPKI_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
    CK_RV rv = CKR_ARGUMENTS_BAD;
    if (pulCount == NULL)
        goto out;
    rv = CKR_OK;
    if (pInterfacesList != NULL && *pulCount < N_INTERFACES)
        rv = CKR_BUFFER_TOO_SMALL;
    else if (pInterfacesList != NULL)
        memcpy(pInterfacesList, interfaces, sizeof(interfaces));
    *pulCount = N_INTERFACES;
out:
    return done("C_GetInterfaceList", rv);
}

static CK_VERSION interface_version(const CK_INTERFACE *iface)
{
    return *(const CK_VERSION *)iface->pFunctionList;
}

JPKI_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                                 CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
    CK_RV rv = CKR_ARGUMENTS_BAD;
    if (ppInterface == NULL)
        goto out;
    if (pInterfaceName != NULL && strcmp((const char *)pInterfaceName, "PKCS 11") != 0)
        goto out;
    for (size_t i = 0; i < N_INTERFACES; i++) {
        CK_VERSION v = interface_version(&interfaces[i]);
        if (pVersion != NULL && (v.major != pVersion->major || v.minor != pVersion->minor))
            continue;
        if ((interfaces[i].flags & flags) != flags)
            continue;
        *ppInterface = &interfaces[i];
        rv = CKR_OK;
        break;
    }
out:
    return done("C_GetInterface", rv);
}

static CK_FUNCTION_LIST function_list_2_40 = {
    .version = { 2, 40 },
    .C_Initialize = jpki_c_initialize,
    .C_Finalize = jpki_c_finalize,
    .C_GetInfo = jpki_c_get_info,
    .C_GetFunctionList = C_GetFunctionList,
    .C_GetSlotList = jpki_c_get_slot_list,
    .C_GetSlotInfo = jpki_c_get_slot_info,
    .C_GetTokenInfo = jpki_c_get_token_info,
    .C_GetMechanismList = jpki_c_get_mechanism_list,
    .C_GetMechanismInfo = jpki_c_get_mechanism_info,
    .C_InitToken = jpki_c_init_token,
    .C_InitPIN = jpki_c_init_pin,
    .C_SetPIN = jpki_c_set_pin,
    .C_OpenSession = jpki_c_open_session,
    .C_CloseSession = jpki_c_close_session,
    .C_CloseAllSessions = jpki_c_close_all_sessions,
    .C_GetSessionInfo = jpki_c_get_session_info,
    .C_GetOperationState = jpki_c_get_operation_state,
    .C_SetOperationState = jpki_c_set_operation_state,
    .C_Login = jpki_c_login,
    .C_Logout = jpki_c_logout,
    .C_CreateObject = jpki_c_create_object,
    .C_CopyObject = jpki_c_copy_object,
    .C_DestroyObject = jpki_c_destroy_object,
    .C_GetObjectSize = jpki_c_get_object_size,
    .C_GetAttributeValue = jpki_c_get_attribute_value,
    .C_SetAttributeValue = jpki_c_set_attribute_value,
    .C_FindObjectsInit = jpki_c_find_objects_init,
    .C_FindObjects = jpki_c_find_objects,
    .C_FindObjectsFinal = jpki_c_find_objects_final,
    .C_EncryptInit = jpki_c_encrypt_init,
    .C_Encrypt = jpki_c_encrypt,
    .C_EncryptUpdate = jpki_c_encrypt_update,
    .C_EncryptFinal = jpki_c_encrypt_final,
    .C_DecryptInit = jpki_c_decrypt_init,
    .C_Decrypt = jpki_c_decrypt,
    .C_DecryptUpdate = jpki_c_decrypt_update,
    .C_DecryptFinal = jpki_c_decrypt_final,
    .C_DigestInit = jpki_c_digest_init,
    .C_Digest = jpki_c_digest,
    .C_DigestUpdate = jpki_c_digest_update,
    .C_DigestKey = jpki_c_digest_key,
    .C_DigestFinal = jpki_c_digest_final,
    .C_SignInit = jpki_c_sign_init,
    .C_Sign = jpki_c_sign,
    .C_SignUpdate = jpki_c_sign_update,
    .C_SignFinal = jpki_c_sign_final,
    .C_SignRecoverInit = jpki_c_sign_recover_init,
    .C_SignRecover = jpki_c_sign_recover,
    .C_VerifyInit = jpki_c_verify_init,
    .C_Verify = jpki_c_verify,
    .C_VerifyUpdate = jpki_c_verify_update,
    .C_VerifyFinal = jpki_c_verify_final,
    .C_VerifyRecoverInit = jpki_c_verify_recover_init,
    .C_VerifyRecover = jpki_c_verify_recover,
    .C_DigestEncryptUpdate = jpki_c_digest_encrypt_update,
    .C_DecryptDigestUpdate = jpki_c_decrypt_digest_update,
    .C_SignEncryptUpdate = jpki_c_sign_encrypt_update,
    .C_DecryptVerifyUpdate = jpki_c_decrypt_verify_update,
    .C_GenerateKey = jpki_c_generate_key,
    .C_GenerateKeyPair = jpki_c_generate_key_pair,
    .C_WrapKey = jpki_c_wrap_key,
    .C_UnwrapKey = jpki_c_unwrap_key,
    .C_DeriveKey = jpki_c_derive_key,
    .C_SeedRandom = jpki_c_seed_random,
    .C_GenerateRandom = jpki_c_generate_random,
    .C_GetFunctionStatus = jpki_c_get_function_status,
    .C_CancelFunction = jpki_c_cancel_function,
    .C_WaitForSlotEvent = jpki_c_wait_for_slot_event,
};

static CK_FUNCTION_LIST_3_0 function_list_3_0 = {
    .version = { 3, 0 },
    .C_Initialize = jpki_c_initialize,
    .C_Finalize = jpki_c_finalize,
    .C_GetInfo = jpki_c_get_info_v3,
    .C_GetFunctionList = C_GetFunctionList,
    .C_GetSlotList = jpki_c_get_slot_list,
    .C_GetSlotInfo = jpki_c_get_slot_info,
    .C_GetTokenInfo = jpki_c_get_token_info,
    .C_GetMechanismList = jpki_c_get_mechanism_list,
    .C_GetMechanismInfo = jpki_c_get_mechanism_info,
    .C_InitToken = jpki_c_init_token,
    .C_InitPIN = jpki_c_init_pin,
    .C_SetPIN = jpki_c_set_pin,
    .C_OpenSession = jpki_c_open_session,
    .C_CloseSession = jpki_c_close_session,
    .C_CloseAllSessions = jpki_c_close_all_sessions,
    .C_GetSessionInfo = jpki_c_get_session_info,
    .C_GetOperationState = jpki_c_get_operation_state,
    .C_SetOperationState = jpki_c_set_operation_state,
    .C_Login = jpki_c_login,
    .C_Logout = jpki_c_logout,
    .C_CreateObject = jpki_c_create_object,
    .C_CopyObject = jpki_c_copy_object,
    .C_DestroyObject = jpki_c_destroy_object,
    .C_GetObjectSize = jpki_c_get_object_size,
    .C_GetAttributeValue = jpki_c_get_attribute_value,
    .C_SetAttributeValue = jpki_c_set_attribute_value,
    .C_FindObjectsInit = jpki_c_find_objects_init,
    .C_FindObjects = jpki_c_find_objects,
    .C_FindObjectsFinal = jpki_c_find_objects_final,
    .C_EncryptInit = jpki_c_encrypt_init,
    .C_Encrypt = jpki_c_encrypt,
    .C_EncryptUpdate = jpki_c_encrypt_update,
    .C_EncryptFinal = jpki_c_encrypt_final,
    .C_DecryptInit = jpki_c_decrypt_init,
    .C_Decrypt = jpki_c_decrypt,
    .C_DecryptUpdate = jpki_c_decrypt_update,
    .C_DecryptFinal = jpki_c_decrypt_final,
    .C_DigestInit = jpki_c_digest_init,
    .C_Digest = jpki_c_digest,
    .C_DigestUpdate = jpki_c_digest_update,
    .C_DigestKey = jpki_c_digest_key,
    .C_DigestFinal = jpki_c_digest_final,
    .C_SignInit = jpki_c_sign_init,
    .C_Sign = jpki_c_sign,
    .C_SignUpdate = jpki_c_sign_update,
    .C_SignFinal = jpki_c_sign_final,
    .C_SignRecoverInit = jpki_c_sign_recover_init,
    .C_SignRecover = jpki_c_sign_recover,
    .C_VerifyInit = jpki_c_verify_init,
    .C_Verify = jpki_c_verify,
    .C_VerifyUpdate = jpki_c_verify_update,
    .C_VerifyFinal = jpki_c_verify_final,
    .C_VerifyRecoverInit = jpki_c_verify_recover_init,
    .C_VerifyRecover = jpki_c_verify_recover,
    .C_DigestEncryptUpdate = jpki_c_digest_encrypt_update,
    .C_DecryptDigestUpdate = jpki_c_decrypt_digest_update,
    .C_SignEncryptUpdate = jpki_c_sign_encrypt_update,
    .C_DecryptVerifyUpdate = jpki_c_decrypt_verify_update,
    .C_GenerateKey = jpki_c_generate_key,
    .C_GenerateKeyPair = jpki_c_generate_key_pair,
    .C_WrapKey = jpki_c_wrap_key,
    .C_UnwrapKey = jpki_c_unwrap_key,
    .C_DeriveKey = jpki_c_derive_key,
    .C_SeedRandom = jpki_c_seed_random,
    .C_GenerateRandom = jpki_c_generate_random,
    .C_GetFunctionStatus = jpki_c_get_function_status,
    .C_CancelFunction = jpki_c_cancel_function,
    .C_WaitForSlotEvent = jpki_c_wait_for_slot_event,
    .C_GetInterfaceList = C_GetInterfaceList,
    .C_GetInterface = C_GetInterface,
    .C_LoginUser = jpki_c_login_user,
    .C_SessionCancel = jpki_c_session_cancel,
    .C_MessageEncryptInit = jpki_c_message_encrypt_init,
    .C_EncryptMessage = jpki_c_encrypt_message,
    .C_EncryptMessageBegin = jpki_c_encrypt_message_begin,
    .C_EncryptMessageNext = jpki_c_encrypt_message_next,
    .C_MessageEncryptFinal = jpki_c_message_encrypt_final,
    .C_MessageDecryptInit = jpki_c_message_decrypt_init,
    .C_DecryptMessage = jpki_c_decrypt_message,
    .C_DecryptMessageBegin = jpki_c_decrypt_message_begin,
    .C_DecryptMessageNext = jpki_c_decrypt_message_next,
    .C_MessageDecryptFinal = jpki_c_message_decrypt_final,
    .C_MessageSignInit = jpki_c_message_sign_init,
    .C_SignMessage = jpki_c_sign_message,
    .C_SignMessageBegin = jpki_c_sign_message_begin,
    .C_SignMessageNext = jpki_c_sign_message_next,
    .C_MessageSignFinal = jpki_c_message_sign_final,
    .C_MessageVerifyInit = jpki_c_message_verify_init,
    .C_VerifyMessage = jpki_c_verify_message,
    .C_VerifyMessageBegin = jpki_c_verify_message_begin,
    .C_VerifyMessageNext = jpki_c_verify_message_next,
    .C_MessageVerifyFinal = jpki_c_message_verify_final,
};
