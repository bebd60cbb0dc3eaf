# The product, installed: filterctl, the C library (a self-contained libStyleFilter.so, the Swift
# runtime linked in statically, so C hosts and libvips load it without the Swift toolchain), its
# header and pkg-config file, the libvips module, the shipped presets, a man page and bash, zsh and
# fish completions (both generated from the command definitions).
#   make                      build it all into .build-static/
#   make install PREFIX=DIR [DESTDIR=ROOT]   install under DIR, the libvips module too (VIPS_MODULES;
#                             it says how libvips finds it there)
#   make uninstall PREFIX=DIR [DESTDIR=ROOT] remove exactly what install wrote
#   make deb [DEBS=DIR]       the Debian packages (debian/), lintian-clean, into DIR
# The tool and the library are installed stripped (INSTALL_STRIP= keeps their symbols, for a
# packager's own debug files).
INSTALL_STRIP ?= -s
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BUILD := .build-static/release
LIBRARY := $(BUILD)/libStyleFilter.so
TOOL := $(BUILD)/filterctl
GENERATED := .build-static/generated
PRESETS := $(wildcard presets/*.json presets/*.network)
COMPLETIONS := $(DATADIR)/bash-completion/completions/filterctl $(DATADIR)/zsh/site-functions/_filterctl \
    $(DATADIR)/fish/vendor_completions.d/filterctl.fish
# The ABI's major version: stylefilter.h only grows (struct_size), so it stays 0 until a break.
SONAME := libStyleFilter.so.0
VERSION := $(shell sed -n 's/.*version = "\(.*\)"/\1/p' Sources/StyleFilter/StyleFilter.swift)
# libvips loads modules from its own libdir's vips-modules-MAJOR.MINOR, or, with $VIPSHOME set, from
# $VIPSHOME/<the last folder of its libdir>/vips-modules-MAJOR.MINOR (Debian: x86_64-linux-gnu). An
# install under libvips' own prefix puts the module beside libvips' modules; any other PREFIX keeps
# it inside PREFIX, where VIPSHOME=PREFIX finds it (or LD_PRELOAD, or a host's dlopen, loads it).
VIPS_LIBDIR := $(shell pkg-config --variable=libdir vips)
VIPS_SERIES := $(shell pkg-config --modversion vips | cut -d. -f1,2)
VIPS_MODULES ?= $(if $(filter $(shell pkg-config --variable=prefix vips),$(PREFIX)),$(VIPS_LIBDIR),$(PREFIX)/$(notdir $(VIPS_LIBDIR)))/vips-modules-$(VIPS_SERIES)

SOURCES := Package.swift $(shell find Sources -name '*.swift' -o -name '*.c' -o -name '*.h')

.PHONY: all install uninstall deb
all: $(LIBRARY) $(TOOL) $(GENERATED)/filterctl.1

# -static-stdlib only here, never in Package.swift: it must not leak into the CLI and test links.
$(LIBRARY): $(SOURCES) stylefilter.map
	swift build -c release --scratch-path .build-static -Xswiftc -static-stdlib --product StyleFilter \
	    -Xlinker --version-script=$(CURDIR)/stylefilter.map -Xlinker -soname=$(SONAME)

$(TOOL): $(SOURCES)
	swift build -c release --scratch-path .build-static -Xswiftc -static-stdlib --product filterctl

# The man page and completions come from the command definitions, so they cannot drift from --help.
$(GENERATED)/filterctl.1: $(TOOL) scripts/manpage.py
	mkdir -p $(GENERATED)
	$(TOOL) --experimental-dump-help | python3 scripts/manpage.py > $@.tmp && mv $@.tmp $@
	$(TOOL) --generate-completion-script bash | sed '1{/^#!/d}' > $(GENERATED)/filterctl.bash  # sourced, not run
	$(TOOL) --generate-completion-script zsh > $(GENERATED)/_filterctl
	$(TOOL) --generate-completion-script fish > $(GENERATED)/filterctl.fish

install: all
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(VIPS_MODULES) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(DATADIR)/stylefilter/presets $(DESTDIR)$(MANDIR)/man1 $(addprefix $(DESTDIR),$(dir $(COMPLETIONS)))
	install $(INSTALL_STRIP) -m 0755 $(TOOL) $(DESTDIR)$(BINDIR)/filterctl
	install -m 0644 $(PRESETS) $(DESTDIR)$(DATADIR)/stylefilter/presets/
	install -m 0644 $(GENERATED)/filterctl.1 $(DESTDIR)$(MANDIR)/man1/filterctl.1
	install -m 0644 $(GENERATED)/filterctl.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/filterctl
	install -m 0644 $(GENERATED)/_filterctl $(DESTDIR)$(DATADIR)/zsh/site-functions/_filterctl
	install -m 0644 $(GENERATED)/filterctl.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/filterctl.fish
	install $(INSTALL_STRIP) -m 0755 $(LIBRARY) $(DESTDIR)$(LIBDIR)/libStyleFilter.so.$(VERSION)
	ln -sf libStyleFilter.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libStyleFilter.so
	install -m 0644 Sources/CShim/include/stylefilter.h $(DESTDIR)$(INCLUDEDIR)/stylefilter.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' stylefilter.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/stylefilter.pc
	cc -O2 -Wall -Werror $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -shared -fPIC integration/vips/stylize_module.c $$(pkg-config --cflags vips) \
	    -ISources/CShim/include $$(pkg-config --libs vips) -L$(DESTDIR)$(LIBDIR) -lStyleFilter \
	    -Wl,-rpath,$(LIBDIR) -o $(DESTDIR)$(VIPS_MODULES)/vips-stylize.so
	@if [ "$(VIPS_MODULES)" != "$(VIPS_LIBDIR)/vips-modules-$(VIPS_SERIES)" ]; then \
	    echo "The libvips operation is in $(VIPS_MODULES)/vips-stylize.so. libvips loads it with"; \
	    echo "  VIPSHOME=$(PREFIX) vips stylize ...   (then not libvips' own heif, jxl, ... modules)"; \
	    echo "or, keeping those, with LD_PRELOAD=$(VIPS_MODULES)/vips-stylize.so (any host: dlopen it)."; \
	fi

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libStyleFilter.so $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libStyleFilter.so.$(VERSION) \
	    $(DESTDIR)$(INCLUDEDIR)/stylefilter.h $(DESTDIR)$(LIBDIR)/pkgconfig/stylefilter.pc $(DESTDIR)$(VIPS_MODULES)/vips-stylize.so \
	    $(DESTDIR)$(BINDIR)/filterctl $(DESTDIR)$(MANDIR)/man1/filterctl.1 $(addprefix $(DESTDIR),$(COMPLETIONS)) \
	    $(addprefix $(DESTDIR)$(DATADIR)/stylefilter/,$(PRESETS))
	-rmdir $(DESTDIR)$(DATADIR)/stylefilter/presets $(DESTDIR)$(DATADIR)/stylefilter 2>/dev/null

# The Debian packages (debian/: the library, -dev, the tool, the libvips module), built with
# debhelper from this Makefile's own install, into DEBS (default .build-static/debs).
DEBS ?= $(CURDIR)/.build-static/debs
deb:
	debian/rules build
	DEBS=$(DEBS) debian/rules binary
