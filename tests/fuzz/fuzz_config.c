/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c: libFuzzer target for the config loader.  The input is
 * INI text for mp_config_load_text; each of its lines is also applied as a
 * --set override to a fresh config.  Whatever loads must validate or be
 * refused, and write out a config that loads again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaplast/config.h"
#include "metaplast/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mp_config c, d;
    char *text = malloc(size + 1), *line, *save = NULL;
    int i = 0;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mp_config_init(&c);
    if (mp_config_load_text(&c, text, "fuzz.ini") == 0 &&
        mp_config_validate(&c) == 0) {
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        mp_config_write(&c, f);
        fclose(f);
        mp_config_init(&d);
        /* What was written must load and validate again. */
        if (mp_config_load_text(&d, out, "written.ini") ||
            mp_config_validate(&d)) {
            fprintf(stderr, "round trip failed: %s\n%s\n", mp_errmsg(), out);
            abort();
        }
        free(out);
    }
    mp_config_init(&c);
    for (line = strtok_r(text, "\n", &save); line && i < 64;
         line = strtok_r(NULL, "\n", &save))
        mp_config_set(&c, line, ++i);
    mp_config_validate(&c);
    free(text);
    return 0;
}
