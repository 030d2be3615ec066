/* data.h — reading the source tree's test data from unit tests. ctest sets SS_SOURCE_DIR to the
 * source root; without it the tests fail rather than skip. */
#ifndef SS_TEST_DATA_H
#define SS_TEST_DATA_H

#include <stddef.h>
#include <stdint.h>

/* The whole of <SS_SOURCE_DIR>/<dir>/<name>, malloc'd with a NUL after its len bytes; NULL (and
 * *len 0) when it cannot be read. */
uint8_t *ss_test_read(const char *dir, const char *name, size_t *len);
/* The same, but the running test fails when the file cannot be read. */
uint8_t *ss_test_load(const char *dir, const char *name, size_t *len);
/* The path of <SS_SOURCE_DIR>/<rel> into path (n bytes), for code under test that opens files
 * itself. */
void ss_test_path(const char *rel, char *path, size_t n);

#endif
