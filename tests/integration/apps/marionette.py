#!/usr/bin/env python3
"""A tiny Marionette client for tests/integration/client-firefox.sh (stdlib only).

Marionette, Firefox's remote protocol (`firefox --marionette`), speaks
length-prefixed JSON over TCP, "LEN:JSON": commands [0, id, name, params],
replies [1, id, error, result].

    MARIONETTE_PIN=... marionette.py PORT TOKEN URL

connects (waiting for Firefox to listen), waits for the PKCS#11 token TOKEN
to appear (the SecurityDevices policy loads the module at startup), logs in
to it with the PIN, loads URL and prints the page's text on stdout. Then it
asks Firefox to quit.

Headless Firefox has no window for its PIN prompt, so the script replaces
the prompter (@mozilla.org/prompter;1) in the chrome context with one that
answers the password prompt of nsIPK11Token.login() with the PIN, and only
while that one login call runs; any other prompt (for another token, say) is
cancelled and recorded. The recorded prompts go to stderr as "prompt: TEXT".

Exit status: 0 on success, 2 when the login failed, 1 on any other error.
MARIONETTE_TIMEOUT (seconds, default 90) bounds the whole run.
"""
import json
import os
import socket
import sys
import time

DEADLINE = time.monotonic() + float(os.environ.get("MARIONETTE_TIMEOUT", "90"))


def left():
    return max(1.0, DEADLINE - time.monotonic())


class Marionette:
    def __init__(self, port):
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                if time.monotonic() > DEADLINE:
                    raise SystemExit("marionette: nothing listens on port %d" % port)
                time.sleep(0.25)
        self.buf = b""
        self.msgid = 0
        hello = self.recv()
        if hello.get("marionetteProtocol") != 3:
            raise SystemExit("marionette: unexpected greeting %r" % hello)

    def fill(self):
        self.sock.settimeout(left())
        chunk = self.sock.recv(65536)
        if not chunk:
            raise SystemExit("marionette: connection closed")
        self.buf += chunk

    def recv(self):
        while b":" not in self.buf:
            self.fill()
        length, _, rest = self.buf.partition(b":")
        length = int(length)
        self.buf = rest
        while len(self.buf) < length:
            self.fill()
        data, self.buf = self.buf[:length], self.buf[length:]
        return json.loads(data.decode("utf-8"))

    def send(self, name, params=None):
        self.msgid += 1
        data = json.dumps([0, self.msgid, name, params or {}]).encode("utf-8")
        self.sock.sendall(b"%d:%s" % (len(data), data))
        while True:
            msg = self.recv()
            if msg[0] == 1 and msg[1] == self.msgid:
                break
        if msg[2]:
            raise SystemExit("marionette: %s failed: %s" % (name, json.dumps(msg[2])[:2000]))
        return msg[3]

    def chrome(self, script, *args):
        """Runs script in the chrome context, in one sandbox kept across calls."""
        return self.send("WebDriver:ExecuteScript",
                         {"script": script, "args": list(args), "sandbox": "jpki", "newSandbox": False})["value"]


# Returns true when the token is there (the policy has loaded the module).
FIND_TOKEN = """
const [name] = arguments;
const db = Cc["@mozilla.org/security/pkcs11moduledb;1"].getService(Ci.nsIPKCS11ModuleDB);
return Promise.resolve(db.listModules()).then(mods => {
    for (const m of mods)
        for (const s of (m.slots || m.listSlots()))  // listSlots(): older Firefox
            if (s.tokenName === name) return true;
    return false;
});
"""

# Installs the prompter (once), then logs in to the token.
LOGIN = """
const [name, pin] = arguments;
if (!globalThis.jpki) {
    const state = globalThis.jpki = { pin: null, prompts: [] };
    const prompt = {
        QueryInterface: ChromeUtils.generateQI(["nsIPrompt"]),
        promptPassword(title, text, password, checkMsg, checkValue) {
            state.prompts.push(String(text));
            if (state.pin === null) return false;
            password.value = state.pin;
            state.pin = null;
            return true;
        },
        alert(title, text) { state.prompts.push("alert: " + text); },
        confirm(title, text) { state.prompts.push("confirm: " + text); return false; },
        prompt(title, text) { state.prompts.push("prompt: " + text); return false; },
    };
    const factory = {
        QueryInterface: ChromeUtils.generateQI(["nsIFactory", "nsIPromptFactory"]),
        createInstance(iid) { return this.QueryInterface(iid); },
        getPrompt(win, iid) { return prompt.QueryInterface(iid); },
    };
    Components.manager.QueryInterface(Ci.nsIComponentRegistrar).registerFactory(
        Components.ID("{4a4f8b6e-2c1d-4f3a-9d55-6a1b0e7c9f01}"), "jpki-pkcs11 test prompter",
        "@mozilla.org/prompter;1", factory);
}
const db = Cc["@mozilla.org/security/pkcs11moduledb;1"].getService(Ci.nsIPKCS11ModuleDB);
return Promise.resolve(db.listModules()).then(mods => {
    for (const m of mods)
        for (const s of (m.slots || m.listSlots())) {
            if (s.tokenName !== name) continue;
            const token = s.getToken();
            globalThis.jpki.pin = pin;
            try { token.login(false); } catch (e) { return "login threw " + e; }
            finally { globalThis.jpki.pin = null; }
            const loggedIn = typeof token.isLoggedIn === "function" ? token.isLoggedIn() : token.isLoggedIn;
            return loggedIn ? "ok" : "not logged in";
        }
    return "no token";
});
"""

PROMPTS = "return globalThis.jpki ? globalThis.jpki.prompts : [];"


def main():
    port, token, url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    pin = os.environ["MARIONETTE_PIN"]
    m = Marionette(port)
    m.send("WebDriver:NewSession", {"capabilities": {}})
    m.send("Marionette:SetContext", {"value": "chrome"})
    while not m.chrome(FIND_TOKEN, token):
        if time.monotonic() > DEADLINE:
            raise SystemExit("marionette: token %r never appeared" % token)
        time.sleep(0.5)
    result = m.chrome(LOGIN, token, pin)
    print("login: %s" % result, file=sys.stderr)
    status = 0
    if result == "ok":
        m.send("Marionette:SetContext", {"value": "content"})
        m.send("WebDriver:SetTimeouts", {"pageLoad": int(left() * 1000)})
        m.send("WebDriver:Navigate", {"url": url})
        print(m.send("WebDriver:ExecuteScript",
                     {"script": "return document.documentElement.innerText;", "args": []})["value"])
        m.send("Marionette:SetContext", {"value": "chrome"})
    else:
        status = 2
    for text in m.chrome(PROMPTS):
        print("prompt: %s" % text.replace("\n", " "), file=sys.stderr)
    try:
        m.send("Marionette:Quit", {"flags": ["eForceQuit"]})
    except SystemExit:
        pass
    return status


if __name__ == "__main__":
    sys.exit(main())
