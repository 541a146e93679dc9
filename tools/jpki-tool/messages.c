/*
 * messages.c: the message table. Both columns of a row must take the same
 * printf arguments in the same order: msg_print cannot check them.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "messages.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool japanese;

struct msg_row {
    const char *en;
    const char *ja;
};

static const struct msg_row table[M_COUNT] = {
    [M_USAGE] = {
        "Usage: jpki-tool [OPTIONS] COMMAND [ARGS]\n"
        "Commands:\n"
        "  status [--sign-pin]                  readers, card, PIN tries, certificate validity\n"
        "  cert auth|auth-ca|sign|sign-ca [--pem|--der] [-o FILE]\n"
        "                                       export a certificate, verify its chain\n"
        "  verify-pin auth|sign                 check a PIN (resets its counter when right)\n"
        "  change-pin auth|sign                 change a PIN\n"
        "  sign --key auth|sign -i FILE -o FILE [--cms]\n"
        "                                       sign a file (SHA-256, PKCS#1 v1.5 or CMS)\n"
        "  basic-info [--show-number]           name, address, birth date, sex (text AP)\n"
        "  view PROGRAM                         which tokens PROGRAM sees through the module\n"
        "Options:\n"
        "  --reader NAME    use the reader whose name contains NAME\n"
        "  --pin-fd N       read PINs (one per line) from file descriptor N\n"
        "  -h, --help       this help;  --version  the version\n",
        "使い方: jpki-tool [オプション] コマンド [引数]\n"
        "コマンド:\n"
        "  status [--sign-pin]                  リーダー、カード、暗証番号の残り回数、証明書の有効期間\n"
        "  cert auth|auth-ca|sign|sign-ca [--pem|--der] [-o ファイル]\n"
        "                                       証明書を書き出し、証明書チェーンを検証\n"
        "  verify-pin auth|sign                 暗証番号を確認 (正しければ残り回数が戻ります)\n"
        "  change-pin auth|sign                 暗証番号を変更\n"
        "  sign --key auth|sign -i ファイル -o ファイル [--cms]\n"
        "                                       ファイルに署名 (SHA-256、PKCS#1 v1.5 または CMS)\n"
        "  basic-info [--show-number]           氏名・住所・生年月日・性別 (券面事項入力補助AP)\n"
        "  view プログラム                      モジュールを通してプログラムに見えるトークン\n"
        "オプション:\n"
        "  --reader 名前    名前を含むリーダーを使う\n"
        "  --pin-fd N       暗証番号をファイル記述子 N から読む (1行に1つ)\n"
        "  -h, --help       このヘルプ;  --version  バージョン\n" },
    [M_VERSION] = { "jpki-tool %s\n", "jpki-tool %s\n" },
    [M_UNKNOWN_COMMAND] = { "jpki-tool: unknown command '%s' (see --help)\n",
                            "jpki-tool: 不明なコマンド '%s' です (--help を参照)\n" },
    [M_BAD_ARGUMENT] = { "jpki-tool: %s: invalid or missing argument (see --help)\n",
                         "jpki-tool: %s: 引数が正しくないか不足しています (--help を参照)\n" },
    [M_NO_SERVICE] = { "Cannot reach the smart card service (is pcscd running?)\n",
                       "スマートカードサービスに接続できません (pcscd は動いていますか?)\n" },
    [M_NO_READER] = { "No smart card reader found.\n",
                      "カードリーダーが見つかりません。\n" },
    [M_READER_NOT_FOUND] = { "No reader name contains '%s'.\n",
                             "'%s' を含む名前のリーダーがありません。\n" },
    [M_NO_CARD_IN] = { "No card in reader %s.\n", "リーダー %s にカードがありません。\n" },
    [M_NO_JPKI_CARD] = { "No card with the JPKI application found.\n",
                         "公的個人認証APのあるカードが見つかりません。\n" },
    [M_CARD_ERROR] = { "%s: %s\n", "%s: %s\n" },
    [M_READERS] = { "Readers:\n", "リーダー:\n" },
    [M_READER_CARD] = { "  %s: card present\n", "  %s: カードあり\n" },
    [M_READER_NO_CARD] = { "  %s: no card\n", "  %s: カードなし\n" },
    [M_READER_USED] = { "Reader in use: %s\n", "使用するリーダー: %s\n" },
    [M_TOKEN] = { "Card: %s (%s)\n", "カード: %s (%s)\n" },
    [M_TOKEN_CARD] = { "My Number Card", "マイナンバーカード" },
    [M_TOKEN_JUKI] = { "Juki card", "住民基本台帳カード" },
    [M_TOKEN_ANDROID] = { "Android smartphone", "Android スマートフォン" },
    [M_TOKEN_IPHONE] = { "iPhone", "iPhone" },
    [M_TOKEN_UNKNOWN] = { "unknown token", "不明なトークン" },
    [M_CERT_LIST] = { "Certificates on the token (EF 0008): %s %s, %s %s\n",
                      "トークンの証明書 (EF 0008): %s %s、%s %s\n" },
    [M_CERT_LIST_UNKNOWN] = { "Certificates on the token (EF 0008): not said (%s)\n",
                              "トークンの証明書 (EF 0008): 不明 (%s)\n" },
    [M_CERT_PRESENT] = { "present", "あり" },
    [M_CERT_ABSENT] = { "absent", "なし" },
    [M_CERT_NEEDS_PIN] = { "%s: not shown (on this token it needs the auth PIN)\n",
                           "%s: 表示していません (このトークンでは認証用暗証番号が必要です)\n" },
    [M_KEY] = { "%s key: %s %d bits\n", "%sの鍵: %s %d ビット\n" },
    [M_KEY_UNUSABLE] = { "%s key: %s %d bits (the module cannot sign with it)\n",
                         "%sの鍵: %s %d ビット (このモジュールでは署名できません)\n" },
    [M_PIN_AUTH] = { "Auth PIN", "認証用暗証番号" },
    [M_PIN_SIGN] = { "Sign password", "署名用パスワード" },
    [M_PIN_TEXT] = { "Text-assistance PIN", "券面事項入力補助用暗証番号" },
    [M_TRIES] = { "%s: %d/%d tries left", "%s: 残り %d/%d 回" },
    [M_TRIES_VERIFIED] = { "%s: verified (tries not shown by the card)",
                           "%s: 確認済み (残り回数はカードが示しません)" },
    [M_TRIES_LOCKED] = { " - LOCKED: only your municipal office can unlock it",
                         " - ロック中: 市区町村の窓口でのみ解除できます" },
    [M_TRIES_LAST] = { " - LAST TRY: one more wrong PIN locks it",
                       " - あと1回間違えるとロックされます" },
    [M_TRIES_LOW] = { " - a wrong PIN was entered before", " - 以前に入力ミスがありました" },
    [M_TEXT_AP_ABSENT] = { "%s: not on this card\n", "%s: このカードにはありません\n" },
    [M_CERT_AUTH] = { "Auth certificate", "利用者証明用電子証明書" },
    [M_CERT_SIGN] = { "Sign certificate", "署名用電子証明書" },
    [M_CERT_AUTH_CA] = { "Auth CA certificate", "利用者証明用CA証明書" },
    [M_CERT_SIGN_CA] = { "Sign CA certificate", "署名用CA証明書" },
    [M_VALIDITY] = { "%s: valid from %s to %s (%ld days left)\n",
                     "%s: 有効期間 %s 〜 %s (残り %ld 日)\n" },
    [M_EXPIRED] = { "WARNING: %s has expired.\n", "警告: %s の有効期限が切れています。\n" },
    [M_EXPIRES_SOON] = { "WARNING: %s expires in %ld days: renew it at your municipal office.\n",
                         "警告: %s の有効期限まであと %ld 日です。市区町村の窓口で更新してください。\n" },
    [M_SIGN_CERT_HINT] = { "%s: not shown (use --sign-pin; it needs the sign password)\n",
                           "%s: 表示していません (--sign-pin で署名用パスワードを入力すると表示)\n" },
    [M_CHAIN_OK] = { "Certificate chain: ok\n", "証明書チェーン: 正常\n" },
    [M_CHAIN_FAILED] = { "Certificate chain verification FAILED: %s\n",
                         "証明書チェーンの検証に失敗しました: %s\n" },
    [M_PROMPT_AUTH] = { "Auth PIN (4 digits): ", "認証用暗証番号 (数字4桁): " },
    [M_PROMPT_SIGN] = { "Sign password (6-16 letters and digits): ",
                        "署名用パスワード (英数字6〜16文字): " },
    [M_PROMPT_TEXT] = { "Text-assistance PIN (4 digits): ",
                        "券面事項入力補助用暗証番号 (数字4桁): " },
    [M_PROMPT_NEW] = { "New %s: ", "新しい%s: " },
    [M_PROMPT_NEW_AGAIN] = { "New %s again: ", "新しい%s (確認): " },
    [M_PIN_READ_FAILED] = { "Could not read the PIN.\n", "暗証番号を読み込めませんでした。\n" },
    [M_PIN_LEN] = { "%s: wrong length; nothing was sent to the card.\n",
                    "%s: 桁数が正しくありません。カードには送信していません。\n" },
    [M_PIN_CHARS] = { "%s: characters that are not allowed; nothing was sent to the card.\n",
                      "%s: 使えない文字が含まれています。カードには送信していません。\n" },
    [M_PIN_NEEDS_MIX] = { "%s: the new password needs at least one letter and one digit.\n",
                          "%s: 新しいパスワードには英字と数字をそれぞれ1文字以上含めてください。\n" },
    [M_PIN_MISMATCH] = { "The two new PINs differ; nothing was changed.\n",
                         "新しい暗証番号が一致しません。変更していません。\n" },
    [M_PIN_SAME] = { "The new PIN is the same as the current one; nothing was changed.\n",
                     "新しい暗証番号が現在のものと同じです。変更していません。\n" },
    [M_PIN_INCORRECT] = { "%s incorrect: %d tries left.\n", "%sが違います: 残り %d 回\n" },
    [M_PIN_LOCKED] = { "%s is locked; only your municipal office can unlock it.\n",
                       "%sはロックされています。市区町村の窓口でのみ解除できます。\n" },
    [M_PIN_OK] = { "%s correct: %d/%d tries left.\n", "%sは正しいです: 残り %d/%d 回\n" },
    [M_PIN_CHANGED] = { "%s changed.\n", "%sを変更しました。\n" },
    [M_CONFIRM_LAST] = { "Only one try is left: a wrong PIN locks it for good. Continue? [y/N] ",
                         "残り1回です。間違えるとロックされます。続けますか? [y/N] " },
    [M_CANCELLED] = { "Cancelled; no try was spent.\n",
                      "中止しました。入力回数は減っていません。\n" },
    [M_TRIES_CHANGED] = { "%s: the tries left changed while you were typing (now %d); nothing "
                          "was sent to the card. Run the command again.\n",
                          "%s: 入力中に残り回数が変わりました (現在 %d 回)。カードには送信して"
                          "いません。もう一度実行してください。\n" },
    [M_SIGNED] = { "Signature written to %s.\n", "署名を %s に書き出しました。\n" },
    [M_FILE_ERROR] = { "%s: %s\n", "%s: %s\n" },
    [M_FILE_SYMLINK] = { "%s: a symbolic link; not written through it.\n",
                         "%s: シンボリックリンクです。書き込みませんでした。\n" },
    [M_FILE_NOT_REGULAR] = { "%s: not a regular file; not written.\n",
                             "%s: 通常のファイルではありません。書き込みませんでした。\n" },
    [M_OPENSSL_ERROR] = { "OpenSSL: %s\n", "OpenSSL: %s\n" },
    [M_NAME] = { "Name", "氏名" },
    [M_ADDRESS] = { "Address", "住所" },
    [M_BIRTH] = { "Date of birth", "生年月日" },
    [M_SEX] = { "Sex", "性別" },
    [M_SEX_MALE] = { "male", "男" },
    [M_SEX_FEMALE] = { "female", "女" },
    [M_SEX_NA] = { "not applicable", "適用外" },
    [M_MY_NUMBER] = { "Individual number", "個人番号" },
    [M_MY_NUMBER_HIDDEN] = { "%s: not shown (use --show-number)\n",
                             "%s: 表示していません (--show-number で表示)\n" },
    /* view: every row takes the same arguments in both columns. */
    [M_VIEW_PROGRAM] = { "Program: %s\n", "プログラム: %s\n" },
    [M_VIEW_AUTH] = { "Tokens:  %s (User Authentication only)\n",
                      "トークン: %s (利用者証明用のみ)\n" },
    [M_VIEW_SIGN] = { "Tokens:  %s (Digital Signature only)\n",
                      "トークン: %s (署名用のみ)\n" },
    [M_VIEW_ALL] = { "Tokens:  %s (both)\n", "トークン: %s (両方)\n" },
    [M_VIEW_FROM_ENV] = { "Decided by: JPKI_PKCS11_TOKENS in this environment\n",
                          "決め手: この環境の JPKI_PKCS11_TOKENS\n" },
    [M_VIEW_FROM_FILE] = { "Decided by: %s, line %u\n", "決め手: %s の %u 行目\n" },
    [M_VIEW_FROM_DEFAULT] = { "Decided by: the default (no setting for this program)\n",
                              "決め手: 既定値 (このプログラムの設定なし)\n" },
    [M_VIEW_IGNORED_ENV] = { "Ignored: JPKI_PKCS11_TOKENS (not auth, sign or all)\n",
                             "無視: JPKI_PKCS11_TOKENS (auth, sign, all のどれでもない)\n" },
    [M_VIEW_IGNORED_FILE] = { "Ignored: %s: %s\n", "無視: %s: %s\n" },
    [M_VIEW_IGNORED_LINE] = { "Ignored: %s, line %u: %s\n", "無視: %s の %u 行目: %s\n" },
};

void msg_init(void)
{
    static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

    /* The POSIX precedence, read from the environment so that Japanese
     * works even when the ja_JP locale itself is not installed. */
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && *v != '\0') {
            japanese = strncmp(v, "ja", 2) == 0;
            return;
        }
    }
    japanese = false;
}

const char *msg(msg_id id)
{
    if ((unsigned)id >= M_COUNT || table[id].en == NULL)
        return "?";
    return japanese ? table[id].ja : table[id].en;
}

void msg_print(FILE *f, msg_id id, ...)
{
    va_list ap;

    va_start(ap, id);
    vfprintf(f, msg(id), ap);
    va_end(ap);
}

void msg_format(char *buf, size_t cap, msg_id id, ...)
{
    va_list ap;

    va_start(ap, id);
    vsnprintf(buf, cap, msg(id), ap);
    va_end(ap);
}

const char *msg_status(jpki_status st)
{
    if (!japanese)
        return jpki_status_name(st);
    switch (st) {
    case JPKI_E_NO_CARD: return "カードがありません";
    case JPKI_E_CARD_RESET: return "カードがリセットされました";
    case JPKI_E_NO_READER: return "リーダーが外されました";
    case JPKI_E_NO_SERVICE: return "スマートカードサービスに接続できません";
    case JPKI_E_COMM: return "通信エラー";
    case JPKI_E_SECURITY_STATUS: return "暗証番号が確認されていません";
    case JPKI_E_FILE_NOT_FOUND: return "ファイルがありません";
    case JPKI_E_MALFORMED: return "カードの応答が正しくありません";
    case JPKI_E_NOT_JPKI: return "公的個人認証APがありません";
    case JPKI_E_PIN_LOCKED: return "ロックされています";
    case JPKI_E_PIN_INCORRECT: return "暗証番号が違います";
    default: return jpki_status_name(st);
    }
}
