/*
 * test-api.c: the module as an application sees it, through dlopen and its
 * function lists: exact CKR_* codes for misuse, the interfaces, the export
 * list, C_Initialize arguments, fork, C_Finalize ending a blocked wait. Runs
 * with or without pcscd (test-api.sh runs it both ways); the paths that need
 * a token are in test-api-card.c.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "api-common.h"

static void test_exports(void)
{
    ok(dlsym(lib, "C_GetFunctionList") != NULL, "C_GetFunctionList is exported");
    ok(dlsym(lib, "C_GetInterfaceList") != NULL, "C_GetInterfaceList is exported");
    ok(dlsym(lib, "C_GetInterface") != NULL, "C_GetInterface is exported");
    static const char *hidden[] = { "C_Initialize", "C_Finalize", "C_Sign", "C_Login",
                                    "C_OpenSession", "jpki_session_open", "jpki_log",
                                    "jpki_sign" };
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        ok(dlsym(lib, hidden[i]) == NULL, "%s is not exported", hidden[i]);
}

static void test_interfaces(void)
{
    CK_C_GetInterfaceList get_list = (CK_C_GetInterfaceList)dlsym(lib, "C_GetInterfaceList");
    CK_C_GetInterface get = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
    CK_C_GetFunctionList get_fl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (get_list == NULL || get == NULL || get_fl == NULL) {
        ok(0, "interface functions present");
        return;
    }
    is_ulong(get_fl(NULL), CKR_ARGUMENTS_BAD, "C_GetFunctionList(NULL)");
    is_ulong(get_fl(&f), CKR_OK, "C_GetFunctionList before C_Initialize");
    is_ulong(f->version.major, 2, "function list version 2.x");
    is_ulong(f->version.minor, 40, "function list version 2.40");

    CK_ULONG n = 0;
    is_ulong(get_list(NULL, NULL), CKR_ARGUMENTS_BAD, "C_GetInterfaceList(NULL, NULL)");
    is_ulong(get_list(NULL, &n), CKR_OK, "C_GetInterfaceList count");
    is_ulong(n, 2, "two interfaces");
    CK_INTERFACE list[4];
    n = 1;
    is_ulong(get_list(list, &n), CKR_BUFFER_TOO_SMALL, "C_GetInterfaceList short buffer");
    is_ulong(n, 2, "C_GetInterfaceList says how many");
    n = 4;
    is_ulong(get_list(list, &n), CKR_OK, "C_GetInterfaceList");
    for (CK_ULONG i = 0; i < n && i < 4; i++) {
        ok(strcmp((const char *)list[i].pInterfaceName, "PKCS 11") == 0, "interface %lu name", i);
        ok((list[i].flags & CKF_INTERFACE_FORK_SAFE) == 0, "interface %lu not fork safe", i);
    }

    CK_INTERFACE *iface = NULL;
    is_ulong(get(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD, "C_GetInterface(NULL out)");
    is_ulong(get(NULL, NULL, &iface, 0), CKR_OK, "C_GetInterface default");
    if (iface != NULL) {
        CK_VERSION *v = iface->pFunctionList;
        ok(v->major == 3 && v->minor == 0, "default interface is 3.0");
        f3 = iface->pFunctionList;
    }
    CK_VERSION v240 = { 2, 40 }, v30 = { 3, 0 }, v99 = { 9, 9 };
    iface = NULL;
    is_ulong(get((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &iface, 0), CKR_OK, "C_GetInterface 2.40");
    ok(iface != NULL && iface->pFunctionList == (void *)f, "2.40 is C_GetFunctionList's list");
    iface = NULL;
    is_ulong(get((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &iface, 0), CKR_OK, "C_GetInterface 3.0");
    ok(iface != NULL && iface->pFunctionList == (void *)f3, "3.0 list");
    is_ulong(get((CK_UTF8CHAR_PTR) "PKCS 11", &v99, &iface, 0), CKR_ARGUMENTS_BAD,
             "C_GetInterface unknown version");
    is_ulong(get((CK_UTF8CHAR_PTR) "Vendor JPKI", NULL, &iface, 0), CKR_ARGUMENTS_BAD,
             "C_GetInterface unknown name");
    is_ulong(get(NULL, NULL, &iface, CKF_INTERFACE_FORK_SAFE), CKR_ARGUMENTS_BAD,
             "C_GetInterface fork-safe asked: none");
    if (f3 != NULL) {
        ok(f3->C_GetInterface != NULL && f3->C_LoginUser != NULL, "3.0 list complete");
        is_ulong(f3->C_LoginUser(1, CKU_USER, NULL, 0, NULL, 0), CKR_CRYPTOKI_NOT_INITIALIZED,
                 "C_LoginUser before C_Initialize");
    }
}

/* Every function of the list before C_Initialize. */
static void test_not_initialized(void)
{
    CK_RV want = CKR_CRYPTOKI_NOT_INITIALIZED;
    CK_INFO info;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_SESSION_INFO ssi;
    CK_ULONG n = 0;
    CK_SESSION_HANDLE h = 0;
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE buf[8];
    CK_SLOT_ID slot;
    is_ulong(f->C_Finalize(NULL), want, "C_Finalize before init");
    is_ulong(f->C_GetInfo(&info), want, "C_GetInfo before init");
    is_ulong(f->C_GetSlotList(CK_FALSE, NULL, &n), want, "C_GetSlotList before init");
    is_ulong(f->C_GetSlotInfo(0, &si), want, "C_GetSlotInfo before init");
    is_ulong(f->C_GetTokenInfo(0, &ti), want, "C_GetTokenInfo before init");
    is_ulong(f->C_GetMechanismList(0, NULL, &n), want, "C_GetMechanismList before init");
    is_ulong(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &h), want,
             "C_OpenSession before init");
    is_ulong(f->C_CloseSession(1), want, "C_CloseSession before init");
    is_ulong(f->C_CloseAllSessions(0), want, "C_CloseAllSessions before init");
    is_ulong(f->C_GetSessionInfo(1, &ssi), want, "C_GetSessionInfo before init");
    is_ulong(f->C_Login(1, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), want, "C_Login before init");
    is_ulong(f->C_Logout(1), want, "C_Logout before init");
    is_ulong(f->C_FindObjectsInit(1, NULL, 0), want, "C_FindObjectsInit before init");
    is_ulong(f->C_SignInit(1, &mech, 1), want, "C_SignInit before init");
    is_ulong(f->C_Sign(1, buf, 1, NULL, &n), want, "C_Sign before init");
    is_ulong(f->C_Encrypt(1, buf, 1, buf, &n), want, "C_Encrypt before init");
    is_ulong(f->C_GenerateRandom(1, buf, 1), want, "C_GenerateRandom before init");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), want,
             "C_WaitForSlotEvent before init");
    is_ulong(f->C_GetFunctionStatus(1), want, "C_GetFunctionStatus before init");
}

/* Application mutex callbacks, counted to show the module uses them. */
static int app_mutex_calls;
static CK_RV app_create(void **m)
{
    pthread_mutex_t *p = malloc(sizeof(*p));
    if (p == NULL)
        return CKR_HOST_MEMORY;
    pthread_mutex_init(p, NULL);
    *m = p;
    return CKR_OK;
}
static CK_RV app_destroy(void *m)
{
    pthread_mutex_destroy(m);
    free(m);
    return CKR_OK;
}
static CK_RV app_lock(void *m)
{
    __atomic_add_fetch(&app_mutex_calls, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(m);
    return CKR_OK;
}
static CK_RV app_unlock(void *m)
{
    pthread_mutex_unlock(m);
    return CKR_OK;
}

static void test_initialize_args(void)
{
    CK_C_INITIALIZE_ARGS a;
    memset(&a, 0, sizeof(a));
    a.pReserved = &a;
    is_ulong(f->C_Initialize(&a), CKR_ARGUMENTS_BAD, "C_Initialize pReserved set");
    memset(&a, 0, sizeof(a));
    a.CreateMutex = app_create;
    a.LockMutex = app_lock;
    is_ulong(f->C_Initialize(&a), CKR_ARGUMENTS_BAD, "C_Initialize some mutex callbacks");
    a.DestroyMutex = app_destroy;
    a.UnlockMutex = app_unlock;
    is_ulong(f->C_Initialize(&a), CKR_OK, "C_Initialize with callbacks only");
    CK_ULONG n = 0;
    is_ulong(f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK, "C_GetSlotList (app mutexes)");
    ok(app_mutex_calls > 0, "the application's mutexes are used (%d calls)", app_mutex_calls);
    is_ulong(f->C_Initialize(&a), CKR_CRYPTOKI_ALREADY_INITIALIZED, "C_Initialize twice");
    is_ulong(f->C_Finalize(&a), CKR_ARGUMENTS_BAD, "C_Finalize(non-NULL)");
    is_ulong(fin(), CKR_OK, "C_Finalize");
    is_ulong(fin(), CKR_CRYPTOKI_NOT_INITIALIZED, "C_Finalize twice");

    a.flags = CKF_OS_LOCKING_OK;
    int before = app_mutex_calls;
    is_ulong(f->C_Initialize(&a), CKR_OK, "C_Initialize callbacks + CKF_OS_LOCKING_OK");
    is_ulong(f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK, "C_GetSlotList (OS locking)");
    ok(app_mutex_calls == before, "OS locking preferred");
    is_ulong(fin(), CKR_OK, "C_Finalize");
    memset(&a, 0, sizeof(a));
    a.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS;
    is_ulong(f->C_Initialize(&a), CKR_OK, "C_Initialize CKF_LIBRARY_CANT_CREATE_OS_THREADS");
    is_ulong(fin(), CKR_OK, "C_Finalize");
}

/* Initialised, with whatever slots exist: the misuse that needs no token. */
static void test_bad_input(void)
{
    CK_INFO info;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_SESSION_INFO ssi;
    CK_MECHANISM_INFO mi;
    CK_ULONG n = 0;
    CK_SESSION_HANDLE h = 0;
    CK_OBJECT_HANDLE oh = 0;
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE buf[8] = { 0 };
    CK_ATTRIBUTE attr = { CKA_CLASS, NULL, 0 };
    CK_SLOT_ID slot;

    is_ulong(f->C_GetInfo(NULL), CKR_ARGUMENTS_BAD, "C_GetInfo(NULL)");
    is_ulong(f->C_GetInfo(&info), CKR_OK, "C_GetInfo");
    ok(blank_padded(info.manufacturerID, 32, "jpki-pkcs11"), "manufacturer");
    ok(blank_padded(info.libraryDescription, 32, "JPKI (My Number Card) PKCS#11"),
       "library description");
    ok(info.cryptokiVersion.major == 2 && info.cryptokiVersion.minor == 40, "cryptoki 2.40");
    if (f3 != NULL) {
        is_ulong(f3->C_GetInfo(&info), CKR_OK, "C_GetInfo (3.0 list)");
        ok(info.cryptokiVersion.major == 3 && info.cryptokiVersion.minor == 0, "cryptoki 3.0");
        is_ulong(f3->C_SessionCancel(1, 0), CKR_FUNCTION_NOT_SUPPORTED, "C_SessionCancel");
        is_ulong(f3->C_MessageSignInit(1, &mech, 1), CKR_FUNCTION_NOT_SUPPORTED,
                 "C_MessageSignInit");
    }

    is_ulong(f->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD, "C_GetSlotList(NULL)");
    is_ulong(f->C_GetSlotInfo(BAD_SLOT, &si), CKR_SLOT_ID_INVALID, "C_GetSlotInfo bad slot");
    is_ulong(f->C_GetSlotInfo(0, NULL), CKR_ARGUMENTS_BAD, "C_GetSlotInfo(NULL)");
    is_ulong(f->C_GetTokenInfo(BAD_SLOT, &ti), CKR_SLOT_ID_INVALID, "C_GetTokenInfo bad slot");
    is_ulong(f->C_GetTokenInfo(0, NULL), CKR_ARGUMENTS_BAD, "C_GetTokenInfo(NULL)");
    is_ulong(f->C_GetMechanismList(BAD_SLOT, NULL, &n), CKR_SLOT_ID_INVALID,
             "C_GetMechanismList bad slot");
    is_ulong(f->C_GetMechanismList(0, NULL, NULL), CKR_ARGUMENTS_BAD, "C_GetMechanismList(NULL)");
    is_ulong(f->C_GetMechanismInfo(BAD_SLOT, CKM_RSA_PKCS, &mi), CKR_SLOT_ID_INVALID,
             "C_GetMechanismInfo bad slot");
    is_ulong(f->C_OpenSession(BAD_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_SLOT_ID_INVALID,
             "C_OpenSession bad slot");
    is_ulong(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD,
             "C_OpenSession(NULL)");
    is_ulong(f->C_CloseAllSessions(BAD_SLOT), CKR_SLOT_ID_INVALID, "C_CloseAllSessions bad slot");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD,
             "C_WaitForSlotEvent(NULL)");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, buf), CKR_ARGUMENTS_BAD,
             "C_WaitForSlotEvent(reserved)");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT,
             "C_WaitForSlotEvent: nothing happened");

    CK_SESSION_HANDLE bad = BAD_SESSION;
    CK_RV inv = CKR_SESSION_HANDLE_INVALID;
    is_ulong(f->C_CloseSession(bad), inv, "C_CloseSession bad session");
    is_ulong(f->C_GetSessionInfo(bad, &ssi), inv, "C_GetSessionInfo bad session");
    is_ulong(f->C_GetSessionInfo(bad, NULL), CKR_ARGUMENTS_BAD, "C_GetSessionInfo(NULL)");
    is_ulong(f->C_Login(bad, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), inv, "C_Login bad session");
    is_ulong(f->C_Login(bad, CKU_USER, NULL, 4), CKR_ARGUMENTS_BAD, "C_Login(NULL PIN)");
    is_ulong(f->C_Logout(bad), inv, "C_Logout bad session");
    is_ulong(f->C_FindObjectsInit(bad, NULL, 0), inv, "C_FindObjectsInit bad session");
    is_ulong(f->C_FindObjectsInit(bad, NULL, 1), CKR_ARGUMENTS_BAD, "C_FindObjectsInit(NULL, 1)");
    is_ulong(f->C_FindObjects(bad, &oh, 1, &n), inv, "C_FindObjects bad session");
    is_ulong(f->C_FindObjects(bad, &oh, 1, NULL), CKR_ARGUMENTS_BAD, "C_FindObjects(NULL)");
    is_ulong(f->C_FindObjectsFinal(bad), inv, "C_FindObjectsFinal bad session");
    is_ulong(f->C_GetAttributeValue(bad, 1, &attr, 1), inv, "C_GetAttributeValue bad session");
    is_ulong(f->C_GetAttributeValue(bad, 1, NULL, 1), CKR_ARGUMENTS_BAD,
             "C_GetAttributeValue(NULL)");
    is_ulong(f->C_GetObjectSize(bad, 1, &n), inv, "C_GetObjectSize bad session");
    is_ulong(f->C_SignInit(bad, &mech, 1), inv, "C_SignInit bad session");
    is_ulong(f->C_SignInit(bad, NULL, 1), CKR_ARGUMENTS_BAD, "C_SignInit(NULL)");
    is_ulong(f->C_Sign(bad, buf, 1, NULL, &n), inv, "C_Sign bad session");
    is_ulong(f->C_Sign(bad, buf, 1, NULL, NULL), CKR_ARGUMENTS_BAD, "C_Sign(NULL length)");
    is_ulong(f->C_SignUpdate(bad, buf, 1), inv, "C_SignUpdate bad session");
    is_ulong(f->C_SignFinal(bad, NULL, &n), inv, "C_SignFinal bad session");
    is_ulong(f->C_SetPIN(bad, buf, 4, buf, 4), inv, "C_SetPIN bad session");
    is_ulong(f->C_CreateObject(bad, &attr, 1, &oh), inv, "C_CreateObject bad session");
    is_ulong(f->C_DestroyObject(bad, 1), inv, "C_DestroyObject bad session");

    is_ulong(f->C_Encrypt(bad, buf, 1, buf, &n), CKR_FUNCTION_NOT_SUPPORTED, "C_Encrypt");
    is_ulong(f->C_DecryptInit(bad, &mech, 1), CKR_FUNCTION_NOT_SUPPORTED, "C_DecryptInit");
    is_ulong(f->C_DigestInit(bad, &mech), CKR_FUNCTION_NOT_SUPPORTED, "C_DigestInit");
    is_ulong(f->C_VerifyInit(bad, &mech, 1), CKR_FUNCTION_NOT_SUPPORTED, "C_VerifyInit");
    is_ulong(f->C_SignRecoverInit(bad, &mech, 1), CKR_FUNCTION_NOT_SUPPORTED,
             "C_SignRecoverInit");
    is_ulong(f->C_GenerateKeyPair(bad, &mech, NULL, 0, NULL, 0, &oh, &oh),
             CKR_FUNCTION_NOT_SUPPORTED, "C_GenerateKeyPair");
    is_ulong(f->C_GenerateRandom(bad, buf, 1), CKR_FUNCTION_NOT_SUPPORTED, "C_GenerateRandom");
    is_ulong(f->C_SeedRandom(bad, buf, 1), CKR_FUNCTION_NOT_SUPPORTED, "C_SeedRandom");
    is_ulong(f->C_InitToken(0, buf, 4, buf), CKR_FUNCTION_NOT_SUPPORTED, "C_InitToken");
    is_ulong(f->C_InitPIN(bad, buf, 4), CKR_FUNCTION_NOT_SUPPORTED, "C_InitPIN");
    is_ulong(f->C_GetOperationState(bad, NULL, &n), CKR_FUNCTION_NOT_SUPPORTED,
             "C_GetOperationState");
    is_ulong(f->C_GetFunctionStatus(bad), CKR_FUNCTION_NOT_PARALLEL, "C_GetFunctionStatus");
    is_ulong(f->C_CancelFunction(bad), CKR_FUNCTION_NOT_PARALLEL, "C_CancelFunction");
}

static void *waiter(void *arg)
{
    CK_SLOT_ID slot = 0;
    *(CK_RV *)arg = f->C_WaitForSlotEvent(0, &slot, NULL);
    return NULL;
}

/* C_Finalize from another thread ends a blocked C_WaitForSlotEvent. */
static void test_wait_cancel(void)
{
    CK_RV wrv = (CK_RV)-1;
    pthread_t t;
    is_ulong(init(), CKR_OK, "C_Initialize (wait test)");
    if (pthread_create(&t, NULL, waiter, &wrv) != 0) {
        ok(0, "thread");
        return;
    }
    struct timespec ts = { 0, 300 * 1000000L };
    nanosleep(&ts, NULL);
    time_t start = time(NULL);
    is_ulong(fin(), CKR_OK, "C_Finalize while a thread waits");
    pthread_join(t, NULL);
    is_ulong(wrv, CKR_CRYPTOKI_NOT_INITIALIZED, "the wait ends with CKR_CRYPTOKI_NOT_INITIALIZED");
    ok(time(NULL) - start <= 5, "promptly");
}

static void test_fork(void)
{
    is_ulong(init(), CKR_OK, "C_Initialize (fork test)");
    CK_ULONG parent_n = 0;
    is_ulong(f->C_GetSlotList(CK_FALSE, NULL, &parent_n), CKR_OK, "parent C_GetSlotList");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        CK_ULONG n = 0;
        int bad = 0;
        if (f->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_CRYPTOKI_NOT_INITIALIZED)
            bad |= 1;
        if (f->C_Initialize(NULL) != CKR_OK)
            bad |= 2;
        if (f->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_OK || n != parent_n)
            bad |= 4;
        if (f->C_Finalize(NULL) != CKR_OK)
            bad |= 8;
        _exit(bad);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status), "child exited");
    is_ulong((unsigned long)WEXITSTATUS(status), 0,
             "child: not initialised, then C_Initialize works (bits: 1 2 4 8)");
    is_ulong(f->C_GetSlotList(CK_FALSE, NULL, &parent_n), CKR_OK, "parent still works");
    is_ulong(fin(), CKR_OK, "C_Finalize (fork test)");
}

static void test_no_card(void)
{
    is_ulong(init(), CKR_OK, "C_Initialize without pcscd");
    CK_ULONG n = 99;
    is_ulong(f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK, "C_GetSlotList without pcscd");
    is_ulong(n, 0, "no slots");
    n = 99;
    is_ulong(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList(token) without pcscd");
    is_ulong(n, 0, "no tokens");
    CK_SLOT_INFO si;
    is_ulong(f->C_GetSlotInfo(0, &si), CKR_SLOT_ID_INVALID, "slot 0 does not exist");
    is_ulong(fin(), CKR_OK, "C_Finalize");
}

int main(void)
{
    if (!load_module())
        return done_testing();
    test_exports();
    test_interfaces();
    if (f == NULL)
        return done_testing();
    test_not_initialized();
    test_initialize_args();
    is_ulong(init(), CKR_OK, "C_Initialize");
    test_bad_input();
    is_ulong(fin(), CKR_OK, "C_Finalize");
    const char *no_pcscd = getenv("JPKI_API_NO_PCSCD");
    if (no_pcscd != NULL && strcmp(no_pcscd, "1") == 0)
        test_no_card();
    test_fork();
    test_wait_cancel();
    test_not_initialized();
    dlclose(lib);
    return done_testing();
}
