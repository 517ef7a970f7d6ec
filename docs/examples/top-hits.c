/* top-hits: prints the best passages of an index for a question.
 *   cc top-hits.c $(pkg-config --cflags --libs quarry) -o top-hits
 *   ./top-hits INDEX WORDS */
#include <quarry.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    quarry_index_t *index;
    quarry_results_t *results;
    char *message;
    if (argc != 3) {
        fprintf(stderr, "usage: top-hits INDEX WORDS\n");
        return 2;
    }
    if (quarry_index_open(argv[1], QUARRY_MODE_READ_ONLY, &index, &message)) {
        fprintf(stderr, "top-hits: %s\n", message);
        free(message);
        return 2;
    }
    quarry_status_t st = quarry_search(index, argv[2], NULL, &results);
    if (st)
        fprintf(stderr, "top-hits: %s\n", quarry_index_last_error(index));
    for (size_t i = 0; i < quarry_results_count(results); i++) {
        const quarry_hit_t *hit = quarry_results_hit(results, i);
        printf("%u. %s (%s:%u)\n", quarry_hit_rank(hit), quarry_hit_title(hit),
               quarry_hit_source(hit), quarry_hit_passage(hit));
    }
    quarry_results_destroy(results);
    quarry_index_close(index);
    return st ? 2 : 0;
}
