/*
 * pkcs11_stubs.c: see pkcs11_stubs.h.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "pkcs11_stubs.h"

CK_RV jpki_c_init_token(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                        CK_UTF8CHAR_PTR pLabel)
{
    (void)slotID;
    (void)pPin;
    (void)ulPinLen;
    (void)pLabel;
    return jpki_module_unsupported("C_InitToken", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_init_pin(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
    (void)hSession;
    (void)pPin;
    (void)ulPinLen;
    return jpki_module_unsupported("C_InitPIN", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_get_operation_state(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                                 CK_ULONG_PTR pulOperationStateLen)
{
    (void)hSession;
    (void)pOperationState;
    (void)pulOperationStateLen;
    return jpki_module_unsupported("C_GetOperationState", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_set_operation_state(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
                                 CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
                                 CK_OBJECT_HANDLE hAuthenticationKey)
{
    (void)hSession;
    (void)pOperationState;
    (void)ulOperationStateLen;
    (void)hEncryptionKey;
    (void)hAuthenticationKey;
    return jpki_module_unsupported("C_SetOperationState", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_encrypt_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                          CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_EncryptInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                     CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen)
{
    (void)hSession;
    (void)pData;
    (void)ulDataLen;
    (void)pEncryptedData;
    (void)pulEncryptedDataLen;
    return jpki_module_unsupported("C_Encrypt", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_encrypt_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                            CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
    (void)hSession;
    (void)pPart;
    (void)ulPartLen;
    (void)pEncryptedPart;
    (void)pulEncryptedPartLen;
    return jpki_module_unsupported("C_EncryptUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_encrypt_final(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,
                           CK_ULONG_PTR pulLastEncryptedPartLen)
{
    (void)hSession;
    (void)pLastEncryptedPart;
    (void)pulLastEncryptedPartLen;
    return jpki_module_unsupported("C_EncryptFinal", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                          CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_DecryptInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData,
                     CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
    (void)hSession;
    (void)pEncryptedData;
    (void)ulEncryptedDataLen;
    (void)pData;
    (void)pulDataLen;
    return jpki_module_unsupported("C_Decrypt", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                            CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen)
{
    (void)hSession;
    (void)pEncryptedPart;
    (void)ulEncryptedPartLen;
    (void)pPart;
    (void)pulPartLen;
    return jpki_module_unsupported("C_DecryptUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_final(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart,
                           CK_ULONG_PTR pulLastPartLen)
{
    (void)hSession;
    (void)pLastPart;
    (void)pulLastPartLen;
    return jpki_module_unsupported("C_DecryptFinal", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_digest_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
    (void)hSession;
    (void)pMechanism;
    return jpki_module_unsupported("C_DigestInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                    CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen)
{
    (void)hSession;
    (void)pData;
    (void)ulDataLen;
    (void)pDigest;
    (void)pulDigestLen;
    return jpki_module_unsupported("C_Digest", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_digest_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    (void)hSession;
    (void)pPart;
    (void)ulPartLen;
    return jpki_module_unsupported("C_DigestUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_digest_key(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)hKey;
    return jpki_module_unsupported("C_DigestKey", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_digest_final(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest,
                          CK_ULONG_PTR pulDigestLen)
{
    (void)hSession;
    (void)pDigest;
    (void)pulDigestLen;
    return jpki_module_unsupported("C_DigestFinal", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_sign_recover_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                               CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_SignRecoverInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_sign_recover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                          CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    (void)hSession;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)pulSignatureLen;
    return jpki_module_unsupported("C_SignRecover", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                         CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_VerifyInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                    CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    (void)hSession;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)ulSignatureLen;
    return jpki_module_unsupported("C_Verify", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen)
{
    (void)hSession;
    (void)pPart;
    (void)ulPartLen;
    return jpki_module_unsupported("C_VerifyUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_final(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                          CK_ULONG ulSignatureLen)
{
    (void)hSession;
    (void)pSignature;
    (void)ulSignatureLen;
    return jpki_module_unsupported("C_VerifyFinal", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_recover_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                 CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_VerifyRecoverInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_recover(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
                            CK_ULONG ulSignatureLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen)
{
    (void)hSession;
    (void)pSignature;
    (void)ulSignatureLen;
    (void)pData;
    (void)pulDataLen;
    return jpki_module_unsupported("C_VerifyRecover", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_digest_encrypt_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
                                   CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
                                   CK_ULONG_PTR pulEncryptedPartLen)
{
    (void)hSession;
    (void)pPart;
    (void)ulPartLen;
    (void)pEncryptedPart;
    (void)pulEncryptedPartLen;
    return jpki_module_unsupported("C_DigestEncryptUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_digest_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                   CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
                                   CK_ULONG_PTR pulPartLen)
{
    (void)hSession;
    (void)pEncryptedPart;
    (void)ulEncryptedPartLen;
    (void)pPart;
    (void)pulPartLen;
    return jpki_module_unsupported("C_DecryptDigestUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_sign_encrypt_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,
                                 CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen)
{
    (void)hSession;
    (void)pPart;
    (void)ulPartLen;
    (void)pEncryptedPart;
    (void)pulEncryptedPartLen;
    return jpki_module_unsupported("C_SignEncryptUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_verify_update(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
                                   CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
                                   CK_ULONG_PTR pulPartLen)
{
    (void)hSession;
    (void)pEncryptedPart;
    (void)ulEncryptedPartLen;
    (void)pPart;
    (void)pulPartLen;
    return jpki_module_unsupported("C_DecryptVerifyUpdate", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_generate_key(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                          CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)pTemplate;
    (void)ulCount;
    (void)phKey;
    return jpki_module_unsupported("C_GenerateKey", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_generate_key_pair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                               CK_ATTRIBUTE_PTR pPublicKeyTemplate,
                               CK_ULONG ulPublicKeyAttributeCount,
                               CK_ATTRIBUTE_PTR pPrivateKeyTemplate,
                               CK_ULONG ulPrivateKeyAttributeCount,
                               CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)pPublicKeyTemplate;
    (void)ulPublicKeyAttributeCount;
    (void)pPrivateKeyTemplate;
    (void)ulPrivateKeyAttributeCount;
    (void)phPublicKey;
    (void)phPrivateKey;
    return jpki_module_unsupported("C_GenerateKeyPair", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_wrap_key(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                      CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey,
                      CK_ULONG_PTR pulWrappedKeyLen)
{
    (void)hSession;
    (void)pMechanism;
    (void)hWrappingKey;
    (void)hKey;
    (void)pWrappedKey;
    (void)pulWrappedKeyLen;
    return jpki_module_unsupported("C_WrapKey", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_unwrap_key(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
                        CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
                        CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hUnwrappingKey;
    (void)pWrappedKey;
    (void)ulWrappedKeyLen;
    (void)pTemplate;
    (void)ulAttributeCount;
    (void)phKey;
    return jpki_module_unsupported("C_UnwrapKey", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_derive_key(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                        CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate,
                        CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hBaseKey;
    (void)pTemplate;
    (void)ulAttributeCount;
    (void)phKey;
    return jpki_module_unsupported("C_DeriveKey", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_seed_random(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen)
{
    (void)hSession;
    (void)pSeed;
    (void)ulSeedLen;
    return jpki_module_unsupported("C_SeedRandom", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_generate_random(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData,
                             CK_ULONG ulRandomLen)
{
    (void)hSession;
    (void)RandomData;
    (void)ulRandomLen;
    return jpki_module_unsupported("C_GenerateRandom", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_get_function_status(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return jpki_module_unsupported("C_GetFunctionStatus", CKR_FUNCTION_NOT_PARALLEL);
}

CK_RV jpki_c_cancel_function(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return jpki_module_unsupported("C_CancelFunction", CKR_FUNCTION_NOT_PARALLEL);
}

CK_RV jpki_c_login_user(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
                        CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
    (void)hSession;
    (void)userType;
    (void)pPin;
    (void)ulPinLen;
    (void)pUsername;
    (void)ulUsernameLen;
    return jpki_module_unsupported("C_LoginUser", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_session_cancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
    (void)hSession;
    (void)flags;
    return jpki_module_unsupported("C_SessionCancel", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_encrypt_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                  CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_MessageEncryptInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_encrypt_message(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                             CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                             CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
                             CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext,
                             CK_ULONG_PTR pulCiphertextLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    (void)pPlaintext;
    (void)ulPlaintextLen;
    (void)pCiphertext;
    (void)pulCiphertextLen;
    return jpki_module_unsupported("C_EncryptMessage", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_encrypt_message_begin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                   CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                   CK_ULONG ulAssociatedDataLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    return jpki_module_unsupported("C_EncryptMessageBegin", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_encrypt_message_next(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                  CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart,
                                  CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
                                  CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pPlaintextPart;
    (void)ulPlaintextPartLen;
    (void)pCiphertextPart;
    (void)pulCiphertextPartLen;
    (void)flags;
    return jpki_module_unsupported("C_EncryptMessageNext", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_encrypt_final(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return jpki_module_unsupported("C_MessageEncryptFinal", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_decrypt_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                  CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_MessageDecryptInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_message(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                             CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                             CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
                             CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext,
                             CK_ULONG_PTR pulPlaintextLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    (void)pCiphertext;
    (void)ulCiphertextLen;
    (void)pPlaintext;
    (void)pulPlaintextLen;
    return jpki_module_unsupported("C_DecryptMessage", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_message_begin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                   CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData,
                                   CK_ULONG ulAssociatedDataLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pAssociatedData;
    (void)ulAssociatedDataLen;
    return jpki_module_unsupported("C_DecryptMessageBegin", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_decrypt_message_next(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                  CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart,
                                  CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
                                  CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pCiphertextPart;
    (void)ulCiphertextPartLen;
    (void)pPlaintextPart;
    (void)pulPlaintextPartLen;
    (void)flags;
    return jpki_module_unsupported("C_DecryptMessageNext", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_decrypt_final(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return jpki_module_unsupported("C_MessageDecryptFinal", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_sign_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                               CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_MessageSignInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_sign_message(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                          CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                          CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)pulSignatureLen;
    return jpki_module_unsupported("C_SignMessage", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_sign_message_begin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                CK_ULONG ulParameterLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    return jpki_module_unsupported("C_SignMessageBegin", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_sign_message_next(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                               CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                               CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)pulSignatureLen;
    return jpki_module_unsupported("C_SignMessageNext", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_sign_final(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return jpki_module_unsupported("C_MessageSignFinal", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_verify_init(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
                                 CK_OBJECT_HANDLE hKey)
{
    (void)hSession;
    (void)pMechanism;
    (void)hKey;
    return jpki_module_unsupported("C_MessageVerifyInit", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_message(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                            CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                            CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)ulSignatureLen;
    return jpki_module_unsupported("C_VerifyMessage", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_message_begin(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                  CK_ULONG ulParameterLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    return jpki_module_unsupported("C_VerifyMessageBegin", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_verify_message_next(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter,
                                 CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
                                 CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
    (void)hSession;
    (void)pParameter;
    (void)ulParameterLen;
    (void)pData;
    (void)ulDataLen;
    (void)pSignature;
    (void)ulSignatureLen;
    return jpki_module_unsupported("C_VerifyMessageNext", CKR_FUNCTION_NOT_SUPPORTED);
}

CK_RV jpki_c_message_verify_final(CK_SESSION_HANDLE hSession)
{
    (void)hSession;
    return jpki_module_unsupported("C_MessageVerifyFinal", CKR_FUNCTION_NOT_SUPPORTED);
}
