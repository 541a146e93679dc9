/*
 * pkcs11.c: the module's face. Every entry point checks what PKCS#11 asks
 * of the caller (initialised? arguments? a session in which state?) and
 * then makes one call into the layer below. Only C_GetFunctionList,
 * C_GetInterfaceList and C_GetInterface are exported; everything else is
 * reached through the function lists, which pkcs11_functions.def makes
 * together with the entry points of the functions not offered.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "locking.h"
#include "log.h"
#include "mech.h"
#include "session.h"
#include "session_ops.h"
#include "sign_grace.h"
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
/* Runs call with the session acquired as `s`, if it is in the state the
 * entry point needs (session.h: JPKI_SESSION_ANY, _IDLE, _FINDING, ...);
 * otherwise rv says what is missing. */
#define WITH_SESSION(handle, state, call)                                \
    do {                                                                 \
        jpki_session *s = NULL;                                          \
        rv = jpki_session_acquire_in((handle), JPKI_SESSION_##state, &s); \
        if (rv == CKR_OK) {                                              \
            rv = (call);                                                 \
            jpki_session_release(s);                                     \
        }                                                                \
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

static CK_RV jpki_C_Initialize(CK_VOID_PTR pInitArgs)
{
    CK_RV rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
    pthread_mutex_lock(&init_mutex);
    if (module_ready())
        goto out;
    rv = jpki_lock_configure(pInitArgs);
    if (rv != CKR_OK)
        goto out;
    const CK_C_INITIALIZE_ARGS *args = pInitArgs;
    jpki_grace_configure(args == NULL || !(args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS));
    (void)pthread_once(&atfork_once, register_atfork);
    jpki_log_init();
    rv = jpki_slots_init();
    if (rv == CKR_OK)
        atomic_store(&initialized, 1);
out:
    pthread_mutex_unlock(&init_mutex);
    return done("C_Initialize", rv);
}

static CK_RV jpki_C_Finalize(CK_VOID_PTR pReserved)
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

static CK_RV jpki_C_GetInfo_v2(CK_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    fill_info(pInfo, 2, 40);
    rv = CKR_OK;
    LEAVE("C_GetInfo");
}

static CK_RV jpki_C_GetInfo_v3(CK_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    fill_info(pInfo, 3, 0);
    rv = CKR_OK;
    LEAVE("C_GetInfo");
}

static CK_RV jpki_C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList,
                                CK_ULONG_PTR pulCount)
{
    ENTER();
    REQUIRE(pulCount != NULL);
    rv = jpki_slot_list(tokenPresent != CK_FALSE, pSlotList, pulCount);
    LEAVE("C_GetSlotList");
}

static CK_RV jpki_C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_slot_get_info(slotID, pInfo);
    LEAVE("C_GetSlotInfo");
}

static CK_RV jpki_C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_slot_get_token_info(slotID, pInfo);
    LEAVE("C_GetTokenInfo");
}

static CK_RV jpki_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot,
                                     CK_VOID_PTR pReserved)
{
    ENTER();
    REQUIRE(pSlot != NULL && pReserved == NULL);
    rv = jpki_slot_wait_event(flags, pSlot);
    LEAVE("C_WaitForSlotEvent");
}

static CK_RV jpki_C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                                     CK_ULONG_PTR pulCount)
{
    ENTER();
    REQUIRE(pulCount != NULL);
    rv = jpki_slot_check_id(slotID);
    if (rv == CKR_OK)
        rv = jpki_slot_mech_list(slotID, pMechanismList, pulCount);
    LEAVE("C_GetMechanismList");
}

static CK_RV jpki_C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
                                     CK_MECHANISM_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_slot_check_id(slotID);
    if (rv == CKR_OK)
        rv = jpki_slot_mech_info(slotID, type, pInfo);
    LEAVE("C_GetMechanismInfo");
}

static CK_RV jpki_C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin,
                           CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
    ENTER();
    REQUIRE((pOldPin != NULL || ulOldLen == 0) && (pNewPin != NULL || ulNewLen == 0));
    /* PKCS#11 allows C_SetPIN only in read-write sessions; this module
     * changes a PIN only for a logged-in token. */
    WITH_SESSION(hSession, RW_LOGGED_IN, jpki_set_pin(s, pOldPin, ulOldLen, pNewPin, ulNewLen));
    LEAVE("C_SetPIN");
}

static CK_RV jpki_C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
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

static CK_RV jpki_C_CloseSession(CK_SESSION_HANDLE hSession)
{
    ENTER();
    rv = jpki_session_close(hSession);
    LEAVE("C_CloseSession");
}

static CK_RV jpki_C_CloseAllSessions(CK_SLOT_ID slotID)
{
    ENTER();
    rv = jpki_session_close_all(slotID);
    LEAVE("C_CloseAllSessions");
}

static CK_RV jpki_C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
    ENTER();
    REQUIRE(pInfo != NULL);
    rv = jpki_session_get_info(hSession, pInfo);
    LEAVE("C_GetSessionInfo");
}

static CK_RV jpki_C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
                          CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    ENTER();
    /* No PIN pad support: a NULL PIN is never a request for one. */
    REQUIRE(pPin != NULL);
    /* Which state the login needs depends on userType: jpki_login's rules. */
    WITH_SESSION(hSession, ANY, jpki_login(s, userType, pPin, ulPinLen));
    LEAVE("C_Login");
}

static CK_RV jpki_C_Logout(CK_SESSION_HANDLE hSession)
{
    ENTER();
    WITH_SESSION(hSession, LOGGED_IN, jpki_logout(s));
    LEAVE("C_Logout");
}

static CK_RV jpki_C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
                                 CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)
{
    ENTER();
    REQUIRE((pTemplate != NULL || ulCount == 0) && phObject != NULL);
    WITH_SESSION(hSession, ANY, CKR_TOKEN_WRITE_PROTECTED);
    LEAVE("C_CreateObject");
}

static CK_RV jpki_C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                               CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                               CK_OBJECT_HANDLE_PTR phNewObject)
{
    ENTER();
    REQUIRE((pTemplate != NULL || ulCount == 0) && phNewObject != NULL);
    WITH_SESSION(hSession, ANY, jpki_object_refuse(s, hObject, CKR_TOKEN_WRITE_PROTECTED));
    LEAVE("C_CopyObject");
}

static CK_RV jpki_C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
    ENTER();
    WITH_SESSION(hSession, ANY, jpki_object_refuse(s, hObject, CKR_ACTION_PROHIBITED));
    LEAVE("C_DestroyObject");
}

static CK_RV jpki_C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                  CK_ULONG_PTR pulSize)
{
    ENTER();
    REQUIRE(pulSize != NULL);
    WITH_SESSION(hSession, ANY, jpki_get_object_size(s, hObject, pulSize));
    LEAVE("C_GetObjectSize");
}

static CK_RV jpki_C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                      CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    ENTER();
    REQUIRE(pTemplate != NULL || ulCount == 0);
    WITH_SESSION(hSession, ANY, jpki_get_attributes(s, hObject, pTemplate, ulCount));
    LEAVE("C_GetAttributeValue");
}

static CK_RV jpki_C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                                      CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
    ENTER();
    REQUIRE(pTemplate != NULL || ulCount == 0);
    WITH_SESSION(hSession, ANY, jpki_object_refuse(s, hObject, CKR_ACTION_PROHIBITED));
    LEAVE("C_SetAttributeValue");
}

static CK_RV jpki_C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
                                    CK_ULONG ulCount)
{
    ENTER();
    REQUIRE(pTemplate != NULL || ulCount == 0);
    WITH_SESSION(hSession, IDLE, jpki_find_init(s, pTemplate, ulCount));
    LEAVE("C_FindObjectsInit");
}

static CK_RV jpki_C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
                                CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
    ENTER();
    REQUIRE((phObject != NULL || ulMaxObjectCount == 0) && pulObjectCount != NULL);
    WITH_SESSION(hSession, FINDING, jpki_find_next(s, phObject, ulMaxObjectCount, pulObjectCount));
    LEAVE("C_FindObjects");
}

static CK_RV jpki_C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
    ENTER();
    WITH_SESSION(hSession, FINDING, jpki_find_final(s));
    LEAVE("C_FindObjectsFinal");
}

static CK_RV jpki_C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                             CK_OBJECT_HANDLE hKey)
{
    ENTER();
    REQUIRE(pMechanism != NULL);
    /* It needs a logged-in token too, but checks the key first (a bad key is
     * CKR_KEY_HANDLE_INVALID logged in or not): jpki_sign_init. */
    WITH_SESSION(hSession, IDLE, jpki_sign_init(s, pMechanism, hKey));
    LEAVE("C_SignInit");
}

static CK_RV jpki_C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                         CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    ENTER();
    REQUIRE((pData != NULL || ulDataLen == 0) && pulSignatureLen != NULL);
    WITH_SESSION(hSession, SIGNING,
                 jpki_sign_once(s, pData, ulDataLen, pSignature, pulSignatureLen));
    LEAVE("C_Sign");
}

static CK_RV jpki_C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    ENTER();
    REQUIRE(pPart != NULL || ulPartLen == 0);
    WITH_SESSION(hSession, SIGNING, jpki_sign_update(s, pPart, ulPartLen));
    LEAVE("C_SignUpdate");
}

static CK_RV jpki_C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                              CK_ULONG_PTR pulSignatureLen)
{
    ENTER();
    REQUIRE(pulSignatureLen != NULL);
    WITH_SESSION(hSession, SIGNING, jpki_sign_final(s, pSignature, pulSignatureLen));
    LEAVE("C_SignFinal");
}

/* The functions this module does not offer (pkcs11_functions.def says which
 * and what they answer): their arguments do not matter. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define JPKI_EXPORTED(since, name)
#define JPKI_IMPLEMENTED(since, name)
#define JPKI_PER_VERSION(since, name)
#define JPKI_UNSUPPORTED(since, name, rv, parameters)                                  \
    static CK_RV jpki_C_##name parameters                                              \
    {                                                                                  \
        return done("C_" #name, module_ready() ? (rv) : CKR_CRYPTOKI_NOT_INITIALIZED); \
    }
#include "pkcs11_functions.def"
#undef JPKI_EXPORTED
#undef JPKI_IMPLEMENTED
#undef JPKI_PER_VERSION
#undef JPKI_UNSUPPORTED
#pragma GCC diagnostic pop

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

/* The function lists, from pkcs11_functions.def: a row goes into a list
 * when IN_V2 or IN_V3 (its `since`) keeps it, with the entry point
 * VERSIONED picks where the lists differ. */
#define JPKI_EXPORTED(since, name) IN_##since(.C_##name = C_##name)
#define JPKI_IMPLEMENTED(since, name) IN_##since(.C_##name = jpki_C_##name)
#define JPKI_PER_VERSION(since, name) IN_##since(.C_##name = VERSIONED(jpki_C_##name))
#define JPKI_UNSUPPORTED(since, name, rv, parameters) IN_##since(.C_##name = jpki_C_##name)

#define IN_V2(entry) entry,
#define IN_V3(entry)
#define VERSIONED(function) function##_v2
static CK_FUNCTION_LIST function_list_2_40 = {
    .version = { 2, 40 },
#include "pkcs11_functions.def"
};
#undef IN_V3
#undef VERSIONED

#define IN_V3(entry) entry,
#define VERSIONED(function) function##_v3
static CK_FUNCTION_LIST_3_0 function_list_3_0 = {
    .version = { 3, 0 },
#include "pkcs11_functions.def"
};
#undef IN_V2
#undef IN_V3
#undef VERSIONED

/* No member left NULL: each list has as many rows as function pointers. */
#define IN_V2(entry) +1
#define IN_V3(entry)
enum { FUNCTIONS_2_40 = 0
#include "pkcs11_functions.def"
};
#undef IN_V3
#define IN_V3(entry) +1
enum { FUNCTIONS_3_0 = 0
#include "pkcs11_functions.def"
};
#undef IN_V2
#undef IN_V3
#define LIST_HOLDS(list, n) \
    (sizeof(list) == offsetof(list, C_Initialize) + (n) * sizeof(CK_C_Initialize))
_Static_assert(LIST_HOLDS(CK_FUNCTION_LIST, FUNCTIONS_2_40), "a 2.40 function missing");
_Static_assert(LIST_HOLDS(CK_FUNCTION_LIST_3_0, FUNCTIONS_3_0), "a 3.0 function missing");
#undef LIST_HOLDS
#undef JPKI_EXPORTED
#undef JPKI_IMPLEMENTED
#undef JPKI_PER_VERSION
#undef JPKI_UNSUPPORTED
