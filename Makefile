# The C library: a self-contained libStyleFilter.so (the Swift runtime linked in statically, so C
# hosts and libvips load it without the Swift toolchain), its header and a pkg-config file.
#   make                      build it into .build-static/
#   make install PREFIX=DIR   install lib/, include/ and lib/pkgconfig/stylefilter.pc under DIR
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BUILD := .build-static/release
LIBRARY := $(BUILD)/libStyleFilter.so

.PHONY: all install uninstall
all: $(LIBRARY)

# -static-stdlib only here, never in Package.swift: it must not leak into the CLI and test links.
$(LIBRARY): Package.swift $(shell find Sources -name '*.swift' -o -name '*.c' -o -name '*.h')
	swift build -c release --scratch-path .build-static -Xswiftc -static-stdlib --product StyleFilter

install: $(LIBRARY)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 0755 $(LIBRARY) $(DESTDIR)$(LIBDIR)/libStyleFilter.so
	install -m 0644 Sources/CShim/include/stylefilter.h $(DESTDIR)$(INCLUDEDIR)/stylefilter.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(shell sed -n 's/.*version = "\(.*\)"/\1/p' Sources/StyleFilter/StyleFilter.swift)|g' \
	    stylefilter.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/stylefilter.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libStyleFilter.so $(DESTDIR)$(INCLUDEDIR)/stylefilter.h $(DESTDIR)$(LIBDIR)/pkgconfig/stylefilter.pc
