#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>

/// Columns of the terminal on `fd` (TIOCGWINSZ), or 0 when `fd` is not a terminal.
/// A C helper because `ioctl` is variadic and not imported into Swift.
static inline int charrnn_terminal_columns(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return (int)ws.ws_col;
    return 0;
}
