/*
 * ceiling: the fastest hello-world a libfcgi responder can be, as the
 * benchmark's upper bound for pyfpm (same library, no Python).
 *
 *   ceiling SOCKET PROCESSES THREADS [keep]
 *
 * Binds SOCKET (a path: unix socket, mode 0666), forks PROCESSES workers,
 * each running THREADS threads in an FCGX_Accept_r loop. Every request gets
 * "Hello, World!\n" as text/plain. Without "keep" (nginx fastcgi_keep_conn
 * off) each request is FCGX_Detach()ed before FCGX_Finish_r(), which skips
 * libfcgi's 2 s lingering close; with "keep" the connection stays open for
 * the front-end's next request, so stdin is always read to its end first.
 * SIGTERM/SIGINT to the parent stops the workers; the parent waits for them.
 *
 * Built by tests/bench/run.sh: gcc -O2 ceiling.c -o ceiling -lfcgi -pthread
 */
#include <errno.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int listen_fd = -1;
static int keep_conn;

static const char response[] =
	"Status: 200 OK\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 14\r\n"
	"\r\n"
	"Hello, World!\n";

static void *serve(void *arg)
{
	FCGX_Request req;
	char drain[4096];

	(void)arg;
	if (FCGX_InitRequest(&req, listen_fd, 0) != 0) {
		fprintf(stderr, "ceiling: FCGX_InitRequest failed\n");
		return NULL;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		/* read FCGI_STDIN to its end: a kept connection needs it */
		while (FCGX_GetStr(drain, sizeof drain, req.in) > 0)
			;
		FCGX_PutStr(response, (int)sizeof response - 1, req.out);
		if (!keep_conn)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

static void worker(int threads)
{
	pthread_t *tids = calloc((size_t)threads, sizeof *tids);
	int i;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (!tids)
		_exit(1);
	for (i = 1; i < threads; i++)
		if (pthread_create(&tids[i], NULL, serve, NULL) != 0) {
			fprintf(stderr, "ceiling: pthread_create failed\n");
			_exit(1);
		}
	serve(NULL);
	_exit(0);
}

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	int processes, threads, i, status;
	pid_t *pids;
	struct sigaction sa;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: %s SOCKET PROCESSES THREADS [keep]\n", argv[0]);
		return 2;
	}
	processes = atoi(argv[2]);
	threads = atoi(argv[3]);
	keep_conn = argc == 5 && strcmp(argv[4], "keep") == 0;
	if (processes < 1 || threads < 1) {
		fprintf(stderr, "ceiling: PROCESSES and THREADS must be >= 1\n");
		return 2;
	}

	if (FCGX_Init() != 0) {
		fprintf(stderr, "ceiling: FCGX_Init failed\n");
		return 1;
	}
	unlink(argv[1]);
	listen_fd = FCGX_OpenSocket(argv[1], 1024);
	if (listen_fd < 0) {
		fprintf(stderr, "ceiling: cannot listen on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	chmod(argv[1], 0666);

	/* after FCGX_Init, which installs its own SIGTERM/SIGUSR1 handlers */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	pids = calloc((size_t)processes, sizeof *pids);
	if (!pids)
		return 1;
	for (i = 0; i < processes; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("ceiling: fork");
			return 1;
		}
		if (pids[i] == 0)
			worker(threads);
	}

	while (!stopping) {
		pid_t dead = waitpid(-1, &status, 0);
		if (dead < 0 && errno == ECHILD)
			break;
		if (dead > 0 && !stopping)
			fprintf(stderr, "ceiling: worker %d exited (status %d)\n", (int)dead, status);
	}
	for (i = 0; i < processes; i++)
		kill(pids[i], SIGTERM);
	while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
		;
	unlink(argv[1]);
	return 0;
}
