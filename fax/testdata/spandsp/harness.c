/*
 * harness.c drives SpanDSP's T.4 transmit and receive contexts (t4_tx, t4_rx)
 * for the fax package's interop tests (spandsp_test.go compiles it into a
 * temporary directory with gcc against libspandsp-dev). Written for telekit
 * from SpanDSP 0.0.6's public headers.
 *
 *   harness tx CODING MINBITS IN.tif OUTPREFIX
 *       Codes every page of IN.tif with t4_tx as it would go down the line
 *       and writes page N's bytes to OUTPREFIX.N (N from 1). Prints one line
 *       a page: "page N width W length L xres X yres Y bytes B".
 *
 *   harness rx CODING WIDTH XRES YRES FILECODING OUT.tif IN...
 *       Feeds each IN (one coded page each) to t4_rx, which decodes it and
 *       writes it into OUT.tif coded as FILECODING. An IN of the form
 *       yres=Y instead sets the y resolution of the pages after it. Prints
 *       one line a page: "page N width W length L bad B longest R".
 *
 * CODING and FILECODING are 1d, 2d or t6. XRES and YRES are in pixels a
 * metre, as t4_rx_set_x_resolution wants them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <tiffio.h>
#include <spandsp.h>

static int coding(const char *s)
{
    if (strcmp(s, "1d") == 0)
        return T4_COMPRESSION_ITU_T4_1D;
    if (strcmp(s, "2d") == 0)
        return T4_COMPRESSION_ITU_T4_2D;
    if (strcmp(s, "t6") == 0)
        return T4_COMPRESSION_ITU_T6;
    fprintf(stderr, "unknown coding %s\n", s);
    exit(2);
}

static int tx(int argc, char **argv)
{
    t4_tx_state_t *t;
    t4_stats_t st;
    uint8_t buf[4096];
    char name[4096];
    FILE *f;
    int pages, page, n;
    long total;

    if (argc != 6)
        return 2;
    t = t4_tx_init(NULL, argv[4], -1, -1);
    if (t == NULL)
    {
        fprintf(stderr, "t4_tx_init %s failed\n", argv[4]);
        return 1;
    }
    t4_tx_set_tx_encoding(t, coding(argv[2]));
    t4_tx_set_min_bits_per_row(t, atoi(argv[3]));
    pages = t4_tx_get_pages_in_file(t);
    for (page = 1;  page <= pages;  page++)
    {
        if (t4_tx_start_page(t) != 0)
        {
            fprintf(stderr, "t4_tx_start_page %d failed\n", page);
            return 1;
        }
        snprintf(name, sizeof(name), "%s.%d", argv[5], page);
        if ((f = fopen(name, "wb")) == NULL)
        {
            perror(name);
            return 1;
        }
        total = 0;
        while ((n = t4_tx_get_chunk(t, buf, sizeof(buf))) > 0)
        {
            fwrite(buf, 1, n, f);
            total += n;
        }
        fclose(f);
        t4_tx_get_transfer_statistics(t, &st);
        printf("page %d width %d length %d xres %d yres %d bytes %ld\n",
               page, st.width, st.length, st.x_resolution, st.y_resolution, total);
        t4_tx_end_page(t);
    }
    t4_tx_free(t);
    return 0;
}

static int rx(int argc, char **argv)
{
    t4_rx_state_t *r;
    t4_stats_t st;
    uint8_t *data;
    FILE *f;
    long size;
    int i;
    int page;

    if (argc < 9)
        return 2;
    r = t4_rx_init(NULL, argv[7], coding(argv[6]));
    if (r == NULL)
    {
        fprintf(stderr, "t4_rx_init %s failed\n", argv[7]);
        return 1;
    }
    t4_rx_set_rx_encoding(r, coding(argv[2]));
    t4_rx_set_image_width(r, atoi(argv[3]));
    t4_rx_set_x_resolution(r, atoi(argv[4]));
    t4_rx_set_y_resolution(r, atoi(argv[5]));
    page = 0;
    for (i = 8;  i < argc;  i++)
    {
        if (strncmp(argv[i], "yres=", 5) == 0)
        {
            t4_rx_set_y_resolution(r, atoi(argv[i] + 5));
            continue;
        }
        page++;
        if ((f = fopen(argv[i], "rb")) == NULL)
        {
            perror(argv[i]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fseek(f, 0, SEEK_SET);
        data = malloc(size + 1);
        if (data == NULL  ||  fread(data, 1, size, f) != (size_t) size)
        {
            fprintf(stderr, "reading %s failed\n", argv[i]);
            return 1;
        }
        fclose(f);
        if (t4_rx_start_page(r) != 0)
        {
            fprintf(stderr, "t4_rx_start_page %d failed\n", page);
            return 1;
        }
        t4_rx_put_chunk(r, data, (int) size);
        free(data);
        if (t4_rx_end_page(r) != 0)
        {
            fprintf(stderr, "t4_rx_end_page %d failed\n", page);
            return 1;
        }
        t4_rx_get_transfer_statistics(r, &st);
        printf("page %d width %d length %d bad %d longest %d\n",
               page, st.width, st.length, st.bad_rows, st.longest_bad_row_run);
    }
    t4_rx_free(r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1  &&  strcmp(argv[1], "tx") == 0)
        return tx(argc, argv);
    if (argc > 1  &&  strcmp(argv[1], "rx") == 0)
        return rx(argc, argv);
    fprintf(stderr, "usage: harness tx CODING MINBITS IN.tif OUTPREFIX\n"
                    "       harness rx CODING WIDTH XRES YRES FILECODING OUT.tif IN...\n");
    return 2;
}
