/* dis.h — the disassembler behind `tiny --dis`. */
#ifndef TINY_DIS_H
#define TINY_DIS_H

#include <stdio.h>
#include "code.h"

void dis_code(FILE *out, Code *code);

#endif
