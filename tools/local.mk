# The NSS registration helper; its default module path is fixed at build time
# so that it always points where this build installs the module.
bin_SCRIPTS = tools/jpki-pkcs11-register
EXTRA_DIST += tools/jpki-pkcs11-register.in
CLEANFILES += tools/jpki-pkcs11-register

# make expands ${prefix} inside p11_module_path, unlike config.status would.
tools/jpki-pkcs11-register: $(top_srcdir)/tools/jpki-pkcs11-register.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@p11_module_path[@]|$(p11_module_path)|g' \
	    -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	    $(top_srcdir)/tools/jpki-pkcs11-register.in > $@.tmp && \
	chmod +x $@.tmp && mv -f $@.tmp $@
