/* tone-check: measures the sine tone in a raw s16le mono file (after
 * trimming the silence around it, or in each stretch of sound with
 * --segments): length, frequency (least-squares sine fit) and
 * signal-to-noise ratio, and checks them against expectations.
 *
 * usage: tone-check [-r rate] [-f hz] [-F tolerance] [-s min-snr-db]
 *                   [-n samples] [-N tolerance] [--segments ms]
 *                   [--segsnr ms] file
 * Prints "length=N lead=N freq=F snr=S"; exits 1 when a check fails.
 * --segsnr adds "segsnr=S": the mean over segments of ms of each one's
 * SNR against the sine fitted to the whole, each within -10 and 35 dB
 * (a lost packet played as silence counts -10, not minus infinity). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fit {
	double freq, snr;
};

/* Residual energy of the best a cos + b sin + c at frequency f; fills the
 * signal energy in *sig. */
static double
residual_coef(const double *x, size_t n, double rate, double f, double *sig, double *coef)
{
	double w = 2 * M_PI * f / rate;
	double m[3][4] = { { 0 } }, v[3], e = 0, p = 0;
	size_t i;
	int r, c, k;

	for (i = 0; i < n; i++) {
		double b[3] = { cos(w * (double)i), sin(w * (double)i), 1 };
		for (r = 0; r < 3; r++) {
			for (c = 0; c < 3; c++)
				m[r][c] += b[r] * b[c];
			m[r][3] += b[r] * x[i];
		}
	}
	/* Gauss-Jordan on the 3x3 normal equations. */
	for (k = 0; k < 3; k++) {
		double piv = m[k][k];
		if (fabs(piv) < 1e-12)
			return INFINITY;
		for (c = k; c < 4; c++)
			m[k][c] /= piv;
		for (r = 0; r < 3; r++) {
			if (r == k)
				continue;
			double f2 = m[r][k];
			for (c = k; c < 4; c++)
				m[r][c] -= f2 * m[k][c];
		}
	}
	for (r = 0; r < 3; r++)
		v[r] = m[r][3];
	if (coef)
		memcpy(coef, v, sizeof v);
	for (i = 0; i < n; i++) {
		double y = v[0] * cos(w * (double)i) + v[1] * sin(w * (double)i);
		double d = x[i] - y - v[2];
		e += d * d;
		p += y * y;
	}
	*sig = p;
	return e;
}

static double
residual(const double *x, size_t n, double rate, double f, double *sig)
{
	return residual_coef(x, n, rate, f, sig, NULL);
}

/* The segmental SNR of x against the sine at f fitted to all of it. */
static double
segmental_snr(const double *x, size_t n, double rate, double f, size_t seg)
{
	double v[3], sig, w = 2 * M_PI * f / rate, sum = 0;
	size_t i, s, segs = 0;

	if (seg == 0 || residual_coef(x, n, rate, f, &sig, v) == INFINITY)
		return -10;
	for (s = 0; s + seg <= n; s += seg, segs++) {
		double e = 0, p = 0, snr;

		for (i = s; i < s + seg; i++) {
			double y = v[0] * cos(w * (double)i) + v[1] * sin(w * (double)i);
			double d = x[i] - y - v[2];

			e += d * d;
			p += y * y;
		}
		snr = e > 0 ? 10 * log10(p / e) : 35;
		sum += snr < -10 ? -10 : snr > 35 ? 35 : snr;
	}
	return segs ? sum / (double)segs : -10;
}

/* Fits a sine to x: a zero-crossing estimate (or hint, when > 0: gaps of
 * silence move the crossings) refined by golden section. */
static struct fit
fit_tone(const double *x, size_t n, double rate, double hint)
{
	struct fit out = { 0, 0 };
	size_t i, cross = 0;
	double first = -1, last = -1, lo, hi, a, b, fa, fb, sig;
	const double g = (sqrt(5) - 1) / 2;

	for (i = 1; i < n; i++) {
		if (x[i - 1] < 0 && x[i] >= 0) {
			double t = (double)i - 1 + (-x[i - 1]) / (x[i] - x[i - 1]);
			if (first < 0)
				first = t;
			last = t;
			cross++;
		}
	}
	if (cross < 2 && hint <= 0)
		return out;
	out.freq = hint > 0 ? hint : (double)(cross - 1) * rate / (last - first);
	/* The residual has one minimum within a DFT bin or two of the
	 * tone, and many beyond.  Distortion (a wideband codec's alias of
	 * the tone) moves the zero crossings by more than that: the
	 * minimum within 0.2 % of their estimate, a quarter bin at a time,
	 * is where the search starts. */
	{
		double step = rate / (double)n / 4, best = INFINITY, f0 = out.freq, f, r;

		for (f = f0 * 0.998; f <= f0 * 1.002; f += step)
			if ((r = residual(x, n, rate, f, &sig)) < best) {
				best = r;
				out.freq = f;
			}
	}
	lo = out.freq - 2 * rate / (double)n;
	hi = out.freq + 2 * rate / (double)n;
	a = hi - g * (hi - lo);
	b = lo + g * (hi - lo);
	fa = residual(x, n, rate, a, &sig);
	fb = residual(x, n, rate, b, &sig);
	for (i = 0; i < 60; i++) {
		if (fa < fb) {
			hi = b;
			b = a;
			fb = fa;
			a = hi - g * (hi - lo);
			fa = residual(x, n, rate, a, &sig);
		} else {
			lo = a;
			a = b;
			fa = fb;
			b = lo + g * (hi - lo);
			fb = residual(x, n, rate, b, &sig);
		}
	}
	out.freq = (lo + hi) / 2;
	fa = residual(x, n, rate, out.freq, &sig);
	out.snr = fa > 0 ? 10 * log10(sig / fa) : 999;
	return out;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tone-check [-r rate] [-f hz] [-F tolerance] "
		"[-s min-snr-db] [-n samples] [-N tolerance] [--segments ms] "
		"[--segsnr ms] file\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "segments", required_argument, NULL, 'S' },
		{ "segsnr", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	double rate = 8000, freq = 0, ftol = 0.01, minsnr = -1e9, thr;
	long want_len = -1, ltol = 160, seg_ms = -1, segsnr_ms = -1;
	FILE *f;
	int16_t *pcm = NULL;
	double *x;
	size_t n = 0, cap = 0, i, first, last, peak = 0;
	int c, fail = 0;

	while ((c = getopt_long(argc, argv, "r:f:F:s:n:N:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': rate = atof(optarg); break;
		case 'f': freq = atof(optarg); break;
		case 'F': ftol = atof(optarg); break;
		case 's': minsnr = atof(optarg); break;
		case 'n': want_len = atol(optarg); break;
		case 'N': ltol = atol(optarg); break;
		case 'S': seg_ms = atol(optarg); break;
		case 'G': segsnr_ms = atol(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if ((f = fopen(argv[optind], "rb")) == NULL) {
		perror(argv[optind]);
		return 2;
	}
	for (;;) {
		uint8_t b[2];
		if (fread(b, 1, 2, f) != 2)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			pcm = realloc(pcm, cap * sizeof *pcm);
			if (pcm == NULL)
				return 2;
		}
		pcm[n++] = (int16_t)(b[0] | (b[1] << 8));
	}
	fclose(f);
	for (i = 0; i < n; i++)
		if ((size_t)abs(pcm[i]) > peak)
			peak = (size_t)abs(pcm[i]);
	printf("samples=%zu peak=%zu\n", n, peak);
	if (peak == 0) {
		printf("no sound\n");
		free(pcm);
		return 1;
	}
	thr = (double)peak * 0.05;
	x = malloc(n * sizeof *x);
	if (x == NULL)
		return 2;

	if (seg_ms >= 0) {
		/* Stretches of sound separated by more than seg_ms of quiet. */
		size_t quiet = (size_t)(seg_ms * rate / 1000), start = 0, end = 0, run = 0;
		int in = 0;
		for (i = 0; i <= n; i++) {
			int loud = i < n && fabs((double)pcm[i]) > thr;
			if (loud) {
				if (!in) {
					in = 1;
					start = i;
				}
				end = i;
				run = 0;
			} else if (in && (++run > quiet || i == n)) {
				size_t len = end - start + 1, k;
				for (k = 0; k < len; k++)
					x[k] = pcm[start + k];
				struct fit ft = fit_tone(x, len, rate, 0);
				printf("segment start=%zu length=%zu freq=%.2f snr=%.1f\n",
				       start, len, ft.freq, ft.snr);
				in = 0;
			}
		}
		free(pcm);
		free(x);
		return 0;
	}

	for (first = 0; first < n && fabs((double)pcm[first]) <= thr; first++)
		;
	for (last = n - 1; last > first && fabs((double)pcm[last]) <= thr; last--)
		;
	/* The threshold cuts into the first and last half-periods: widen to
	 * the zero crossings around them. */
	while (first > 0 && pcm[first - 1] != 0 &&
	       (pcm[first - 1] > 0) == (pcm[first] > 0))
		first--;
	while (last + 1 < n && pcm[last + 1] != 0 &&
	       (pcm[last + 1] > 0) == (pcm[last] > 0))
		last++;
	n = last - first + 1;
	for (i = 0; i < n; i++)
		x[i] = pcm[first + i];
	struct fit ft = fit_tone(x, n, rate, 0);
	printf("length=%zu lead=%zu freq=%.2f snr=%.1f\n", n, first, ft.freq, ft.snr);
	if (segsnr_ms > 0) {
		/* Against the tone sent (-f), found near it. */
		struct fit ref = freq > 0 ? fit_tone(x, n, rate, freq) : ft;

		printf("segsnr=%.1f\n", segmental_snr(x, n, rate, ref.freq,
							(size_t)(segsnr_ms * rate / 1000)));
	}
	if (freq > 0 && fabs(ft.freq - freq) > freq * ftol) {
		printf("FAIL: frequency %.2f is not %.2f within %g%%\n", ft.freq,
		       freq, ftol * 100);
		fail = 1;
	}
	if (ft.snr < minsnr) {
		printf("FAIL: SNR %.1f dB is under %.1f dB\n", ft.snr, minsnr);
		fail = 1;
	}
	if (want_len >= 0 && labs((long)n - want_len) > ltol) {
		printf("FAIL: length %zu is not %ld within %ld samples\n", n,
		       want_len, ltol);
		fail = 1;
	}
	free(pcm);
	free(x);
	return fail;
}
