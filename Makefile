# The C library: a self-contained libStyleFilter.so (the Swift runtime linked in statically, so C
# hosts and libvips load it without the Swift toolchain), its header, a pkg-config file and the
# libvips module.
#   make                      build it into .build-static/
#   make install PREFIX=DIR   install lib/, include/ and lib/pkgconfig/stylefilter.pc under DIR, and
#                             the libvips module where libvips finds it (VIPS_MODULES)
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BUILD := .build-static/release
LIBRARY := $(BUILD)/libStyleFilter.so
# The ABI's major version: stylefilter.h only grows (struct_size), so it stays 0 until a break.
SONAME := libStyleFilter.so.0
VERSION := $(shell sed -n 's/.*version = "\(.*\)"/\1/p' Sources/StyleFilter/StyleFilter.swift)
# libvips loads modules from its own libdir's vips-modules-MAJOR.MINOR (or, with $VIPSHOME set,
# from $VIPSHOME/x86_64-linux-gnu/vips-modules-MAJOR.MINOR): set VIPS_MODULES for another place.
VIPS_MODULES ?= $(shell pkg-config --variable=libdir vips)/vips-modules-$(shell pkg-config --modversion vips | cut -d. -f1,2)

.PHONY: all install uninstall
all: $(LIBRARY)

# -static-stdlib only here, never in Package.swift: it must not leak into the CLI and test links.
$(LIBRARY): Package.swift $(shell find Sources -name '*.swift' -o -name '*.c' -o -name '*.h')
	swift build -c release --scratch-path .build-static -Xswiftc -static-stdlib --product StyleFilter \
	    -Xlinker --version-script=$(CURDIR)/stylefilter.map -Xlinker -soname=$(SONAME)

install: $(LIBRARY)
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(VIPS_MODULES)
	install -m 0755 $(LIBRARY) $(DESTDIR)$(LIBDIR)/libStyleFilter.so.$(VERSION)
	ln -sf libStyleFilter.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libStyleFilter.so
	install -m 0644 Sources/CShim/include/stylefilter.h $(DESTDIR)$(INCLUDEDIR)/stylefilter.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' stylefilter.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/stylefilter.pc
	cc -O2 -Wall -Werror -shared -fPIC integration/vips/stylize_module.c $$(pkg-config --cflags vips) \
	    -ISources/CShim/include $$(pkg-config --libs vips) -L$(DESTDIR)$(LIBDIR) -lStyleFilter \
	    -Wl,-rpath,$(LIBDIR) -o $(DESTDIR)$(VIPS_MODULES)/vips-stylize.so

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libStyleFilter.so $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libStyleFilter.so.$(VERSION) \
	    $(DESTDIR)$(INCLUDEDIR)/stylefilter.h $(DESTDIR)$(LIBDIR)/pkgconfig/stylefilter.pc $(DESTDIR)$(VIPS_MODULES)/vips-stylize.so
