/* Libraries loaded on first use (see dynlib.h). */
#include <dlfcn.h>
#include <errno.h>

#include "dynlib.h"
#include "log.h"

int
sl_dynlib_load(struct sl_dynlib *lib)
{
	void *h;
	size_t i;

	if (lib->state != 0)
		return lib->state > 0 ? 0 : ELIBACC;
	lib->state = -1;
	/* RTLD_NOW: a missing function is found here, not in a call. */
	if ((h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		sl_warn("unable to load %s: %s", lib->soname, dlerror());
		return ELIBACC;
	}
	for (i = 0; i < lib->n; i++)
		if ((lib->fns[i] = dlsym(h, lib->names[i])) == NULL) {
			sl_warn("unable to load %s: no function %s", lib->soname,
				lib->names[i]);
			return ELIBACC;
		}
	lib->state = 1;
	return 0;
}
