# A UNO interaction handler for tests/integration/client-libreoffice.sh: it
# answers LibreOffice's NSS token-password requests from a file, since a
# headless LibreOffice cancels every dialog.
#
# LibreOffice asks for a PKCS#11 token's PIN (NSS's password callback,
# xmlsecurity's GetPasswordFunction) through a new instance of the service
# com.sun.star.task.InteractionHandler, with a DocumentPasswordRequest2 whose
# Name is the token label. The test starts soffice with this component's .rdb
# first in UNO_SERVICES, so this implementation of the service wins over
# uui's. It must support XInteractionHandler2: LibreOffice creates the
# service through InteractionHandler::createWithParent.
#
# JPKI_TEST_PIN_FILE: lines "TOKEN LABEL=PIN". A request for another name, or
# a re-entry request (the PIN was wrong), is aborted: the test never gives a
# PIN twice after a failure. JPKI_TEST_HANDLER_LOG: every request is logged
# there (never the PIN).
import os

import uno
import unohelper
from com.sun.star.task import XInteractionHandler2
from com.sun.star.task.PasswordRequestMode import PASSWORD_ENTER

# pyuno of LibreOffice 7.4 with Python 3.11 cannot build a UNO exception as a
# Python object (Python sets "args" through the struct's __setattr__, which
# forwards it to the UNO value and fails), so getRequest() raises SystemError.
# Let the attributes Python itself sets land on the Python object.
_struct_setattr = uno._uno_struct__setattr__


def _setattr(self, name, value):
    try:
        return _struct_setattr(self, name, value)
    except AttributeError:
        return BaseException.__setattr__(self, name, value)


uno._uno_struct__setattr__ = _setattr


def _pins():
    pins = {}
    with open(os.environ["JPKI_TEST_PIN_FILE"], encoding="utf-8") as f:
        for line in f:
            name, sep, pin = line.rstrip("\n").rpartition("=")
            if sep:
                pins[name] = pin
    return pins


class PinHandler(unohelper.Base, XInteractionHandler2):
    def __init__(self, ctx, *args):
        self.ctx = ctx

    def log(self, text):
        path = os.environ.get("JPKI_TEST_HANDLER_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as f:
                f.write(text + "\n")

    def handle(self, request):
        self.handleInteractionRequest(request)

    def handleInteractionRequest(self, request):
        req = request.getRequest()
        name = getattr(req, "Name", None)
        mode = getattr(req, "Mode", None)
        continuations = request.getContinuations()
        password = [c for c in continuations if hasattr(c, "setPassword")]
        pin = _pins().get(name) if mode == PASSWORD_ENTER else None
        if password and pin is not None:
            self.log("password: %s" % name)
            password[0].setPassword(pin)
            password[0].select()
            return True
        self.log("refused: %s name=%r mode=%r" % (getattr(req, "typeName", type(req).__name__), name, mode))
        for c in continuations:
            if "XInteractionAbort" in repr(c):
                c.select()
                return True
        return False


g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(PinHandler, "org.jpki.test.PinHandler",
                                         ("com.sun.star.task.InteractionHandler",))
