/* iter.h — the built-in iterator types. */
#ifndef TINY_ITER_H
#define TINY_ITER_H

#include "object.h"

/* The sequence iterator: list, tuple and str iterators share its layout (FOR_ITER reads it directly). */
typedef struct SeqIter { Obj hdr; Value seq; int64_t index; } SeqIter;      /* list, tuple, str */
extern Type T_list_iterator, T_tuple_iterator, T_range_iterator, T_dict_keyiterator,
    T_dict_valueiterator, T_dict_itemiterator, T_set_iterator, T_str_iterator,
    T_seq_iterator, T_dict_keys, T_dict_values, T_dict_items, T_bytes_iterator;

/* A new iterator of the given SeqIter type over seq (incref'd), from index 0. */
Obj *seqiter_new(Type *type, Value seq);

#endif
