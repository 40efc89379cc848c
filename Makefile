# ckpt — plain Makefile. `make` builds build/ckpt; `make check` runs every test.

CC	?= gcc
B	:= build
CFLAGS_WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter \
	       -Wstrict-prototypes -Wmissing-prototypes -Wundef -Wvla
CFLAGS	?= -O2 -g
VERSION	:= 0.2
PREFIX	?= /usr/local
DEPS_CFLAGS := $(shell pkg-config --cflags libprotobuf-c libnl-3.0 libcap libbsd 2>/dev/null)
DEPS_LIBS := $(shell pkg-config --libs libprotobuf-c libnl-3.0 libcap libbsd 2>/dev/null)
CPPFLAGS := -D_GNU_SOURCE -DCKPT_VERSION='"$(VERSION)"' -Iinclude -Isrc -I. -I$(B)/proto $(DEPS_CFLAGS)
ALL_CFLAGS = -std=gnu11 $(CFLAGS_WARN) $(CFLAGS) $(CPPFLAGS) -MMD -MP

PROTOS	:= $(wildcard proto/*.proto)
PB_C	:= $(patsubst proto/%.proto,$(B)/proto/%.pb-c.c,$(PROTOS))
PB_H	:= $(PB_C:.c=.h)

# The tracer: everything under src/ but the two freestanding blobs.
TRACER_SRCS := $(filter-out src/parasite/% src/restorer/%,$(wildcard src/*/*.c src/*/*/*.c))
CORE_SRCS   := $(wildcard src/common/*.c src/proc/*.c images/*.c) src/files/decide.c
TRACER_OBJS := $(patsubst %.c,$(B)/%.o,$(TRACER_SRCS) $(wildcard images/*.c)) \
	       $(PB_C:.c=.o) $(B)/parasite-blob.o $(B)/restorer-blob.o
MAIN_OBJ    := $(B)/src/cli/main.o

all: $(B)/ckpt tests

# ---- protobuf-c ------------------------------------------------------------
$(B)/proto/%.pb-c.c $(B)/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(B)/proto
	protoc-c --proto_path=proto --c_out=$(B)/proto $<

$(B)/proto/%.pb-c.o: $(B)/proto/%.pb-c.c
	$(CC) -std=gnu11 $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

# every object may include generated headers
$(patsubst %.c,$(B)/%.o,$(TRACER_SRCS) $(wildcard images/*.c)): | $(PB_H)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# ---- the parasite blob -----------------------------------------------------
# Freestanding: no libc, no stack protector, no FPU/SSE use, position
# independent; linked by a small script and embedded into ckpt as bytes.
BLOB_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -nostdlib -fno-stack-protector -fPIE -fno-plt \
	-fvisibility=hidden -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-builtin -mgeneral-regs-only -mno-red-zone -U_FORTIFY_SOURCE \
	-D_GNU_SOURCE -Iinclude
PARASITE_SRCS := $(wildcard src/parasite/*.c src/parasite/arch/x86_64/*.S)
PARASITE_OBJS := $(patsubst %,$(B)/blob/%.o,$(PARASITE_SRCS))
RESTORER_SRCS := $(wildcard src/restorer/*.c src/restorer/arch/x86_64/*.S)
RESTORER_OBJS := $(patsubst %,$(B)/blob/%.o,$(RESTORER_SRCS))

$(B)/blob/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BLOB_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/blob/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(BLOB_CFLAGS) -c -o $@ $<

# only PC-relative relocations: a blob runs at any address unpatched
define link_blob
	@if readelf -rW $(1) | awk '/R_X86_64_/ && $$3 !~ /^R_X86_64_(PC32|PLT32|PC64|GOTPCRELX|REX_GOTPCRELX)$$/' | grep -q .; then \
		echo "$(2): absolute relocations:"; readelf -rW $(1) | grep R_X86_64_ | grep -vE 'PC32|PLT32|PC64|GOTPCREL'; exit 1; fi
	ld -static -nostdlib -z noexecstack --no-undefined -T $(3) -o $@ $(1)
	@if nm -u $@ | grep -q .; then echo "$(2): undefined symbols:"; nm -u $@; exit 1; fi
endef

$(B)/parasite.elf: $(PARASITE_OBJS) src/parasite/parasite.lds
	$(call link_blob,$(PARASITE_OBJS),parasite,src/parasite/parasite.lds)
$(B)/restorer.elf: $(RESTORER_OBJS) src/restorer/restorer.lds
	$(call link_blob,$(RESTORER_OBJS),restorer,src/restorer/restorer.lds)

$(B)/%-blob.c: $(B)/%.elf scripts/gen-blob.sh
	sh scripts/gen-blob.sh $< $* $@

$(B)/%-blob.o: $(B)/%-blob.c
	$(CC) -std=gnu11 $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

# ---- ckpt ------------------------------------------------------------------
$(B)/ckpt: $(TRACER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPS_LIBS)

# ---- tests -----------------------------------------------------------------
# Unit tests link the pure layers (proc parsers, images, common), built with
# ASan/UBSan.
SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer
UNIT_SRCS := $(wildcard test/unit/*.c)
UNIT_BINS := $(patsubst test/unit/%.c,$(B)/test/unit/%,$(UNIT_SRCS))
CORE_SAN_OBJS := $(patsubst %.c,$(B)/san/%.o,$(CORE_SRCS)) $(patsubst %.c,$(B)/san/%.o,$(PB_C))

$(B)/san/%.o: %.c | $(PB_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<
$(B)/san/$(B)/proto/%.pb-c.o: $(B)/proto/%.pb-c.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(CFLAGS) $(CPPFLAGS) $(SAN) -c -o $@ $<

# test_proc* links the parsers, test_image* the image layer, others all of it.
SAN_COMMON := $(patsubst %.c,$(B)/san/%.o,$(wildcard src/common/*.c))
SAN_PROC   := $(patsubst %.c,$(B)/san/%.o,$(wildcard src/proc/*.c))
SAN_IMAGES := $(patsubst %.c,$(B)/san/%.o,$(wildcard images/*.c) $(PB_C))
# test_vma: the VMA rules of src/mem/vma.c with the parsers
SAN_VMA    := $(SAN_COMMON) $(SAN_PROC) $(SAN_IMAGES) $(B)/san/src/mem/vma.o
unit_objs = $(if $(filter test_proc%,$(1)),$(SAN_COMMON) $(SAN_PROC),\
	$(if $(filter test_image%,$(1)),$(SAN_COMMON) $(SAN_IMAGES),\
	$(if $(filter test_vma,$(1)),$(SAN_VMA),$(CORE_SAN_OBJS))))

.SECONDEXPANSION:
$(B)/test/unit/%: test/unit/%.c $$(call unit_objs,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $< $(call unit_objs,$*) $(DEPS_LIBS) -lcmocka

# ZDTM-style test programs and their library.
TLIB_SRCS := $(wildcard test/lib/*.c)
TLIB_OBJS := $(patsubst %.c,$(B)/%.o,$(TLIB_SRCS))
ZDTM_SRCS := $(wildcard test/static/*.c)
ZDTM_BINS := $(patsubst test/static/%.c,$(B)/test/static/%,$(ZDTM_SRCS))
HELPER_SRCS := $(wildcard test/helpers/*.c)
HELPER_BINS := $(patsubst test/helpers/%.c,$(B)/test/helpers/%,$(HELPER_SRCS))

$(B)/test/lib/%.o: test/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itest/lib -c -o $@ $<
$(B)/test/static/%: test/static/%.c $(TLIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itest/lib -o $@ $< $(TLIB_OBJS) -lpthread
$(B)/test/helpers/%: test/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

# Tools the tests use on image sets (imgtool: edit and re-seal a set), built like the unit tests.
TOOL_BINS := $(patsubst test/tools/%.c,$(B)/test/tools/%,$(wildcard test/tools/*.c))
$(B)/test/tools/%: test/tools/%.c $(CORE_SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $< $(CORE_SAN_OBJS) $(DEPS_LIBS)

# The image fuzz target (libFuzzer, clang): the image layer and common/ built
# from source with the fuzzer's sanitizers; a short fixed run is part of
# make check (test/sys/fuzz_images.sh), `make fuzz` runs long.
FUZZ_CC   ?= clang
FUZZ_SRCS := fuzz/fuzz_imgset.c $(wildcard images/*.c src/common/*.c) $(PB_C)
FUZZ_TIME ?= 600
$(B)/fuzz/fuzz_imgset: $(FUZZ_SRCS) $(wildcard images/*.h include/common/*.h) | $(PB_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$(CPPFLAGS) -o $@ $(FUZZ_SRCS) $(DEPS_LIBS)

tests: $(UNIT_BINS) $(ZDTM_BINS) $(HELPER_BINS) $(TOOL_BINS) $(B)/fuzz/fuzz_imgset

# ---- entry points ----------------------------------------------------------
deps:
	@sh scripts/install-deps.sh

lint:
	@! grep -rnE 'pr_(err|warn|info|debug|perror|errno)\(.*\\n"' src images || \
		{ echo "lint: log messages must not end in \\n"; exit 1; }

unit: deps
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@sh test/check.sh

demo: deps
	@$(MAKE) --no-print-directory $(B)/ckpt $(B)/test/helpers/subreaper $(B)/test/helpers/demo_counter
	@bash scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/bench.sh

# ckpt alone: the binary is self-contained (both blobs are inside it).
install: deps
	@$(MAKE) --no-print-directory $(B)/ckpt
	install -D -m 0755 $(B)/ckpt $(DESTDIR)$(PREFIX)/sbin/ckpt

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/ckpt

# Long fuzzing: new inputs go to build/fuzz/corpus (fuzz/corpus is the committed seed set).
fuzz: deps
	@$(MAKE) --no-print-directory $(B)/fuzz/fuzz_imgset
	@mkdir -p $(B)/fuzz/corpus
	$(B)/fuzz/fuzz_imgset -max_total_time=$(FUZZ_TIME) -max_len=65536 -artifact_prefix=$(B)/fuzz/ $(B)/fuzz/corpus fuzz/corpus

clean:
	rm -rf $(B)

.PHONY: all tests deps lint unit check demo bench fuzz install uninstall clean
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
