/*
 * content.c - the content archive on the POSIX platform: the file named
 * by the "content" parameter, mapped read-only once at first use.
 * Not here: parsing it (apps/cpio.c).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_impl.h"

static pthread_once_t content_once = PTHREAD_ONCE_INIT;
static const void *content_base;
static size_t content_len;

static void content_map(void)
{
	char path[512];
	struct stat st;
	void *p;
	int fd;

	if (hyp_param_get("content", path, sizeof(path)) <= 0)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		hyp_printf("rumpnet: content %s: cannot open\n", path);
		return;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			content_base = p;
			content_len = (size_t)st.st_size;
		}
	}
	close(fd);
}

int hyp_content(const void **base, size_t *len)
{
	pthread_once(&content_once, content_map);
	if (content_base == NULL)
		return HYP_ENOENT;
	*base = content_base;
	*len = content_len;
	return 0;
}
