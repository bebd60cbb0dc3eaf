#!/usr/bin/env python3
"""filterctl.1 from `filterctl --experimental-dump-help` (swift-argument-parser's description of
every command and flag, read on standard input): one page, a section per subcommand, so the man
page says what --help says."""
import json
import sys


def roff(text):
    lines = []
    for line in (text or "").splitlines():
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def names(argument):
    shown = []
    for name in argument.get("names", []):
        prefix = "-" if name["kind"] in ("short", "longWithSingleDash") else "--"
        shown.append(prefix + name["name"])
    return ", ".join(shown)


def describe(argument):
    kind = argument.get("kind")
    value = argument.get("valueName", "value")
    if kind == "positional":
        head = "<%s>%s" % (value, " ..." if argument.get("isRepeating") else "")
    elif kind == "option":
        head = "%s <%s>" % (names(argument), value)
    else:
        head = names(argument)
    text = argument.get("abstract", "")
    if argument.get("defaultValue") not in (None, ""):
        text += " (default: %s)" % argument["defaultValue"]
    if argument.get("discussion"):
        discussion = argument["discussion"]
        text += "\n" + (discussion if isinstance(discussion, str) else "")
    return ".TP\n\\fB%s\\fR\n%s\n" % (roff(head), roff(text))


def section(command, path, out):
    arguments = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)]
    if len(path) > 1:
        out.append(".SH %s\n" % roff(" ".join(path).upper()))
        out.append("\\fB%s\\fR \\- %s\n" % (roff(" ".join(path)), roff(command.get("abstract", ""))))
        if command.get("discussion"):
            # Discussions hold examples laid out by hand: kept as written.
            out.append(".PP\n.nf\n%s\n.fi\n" % roff(command["discussion"]))
    for argument in arguments:
        out.append(describe(argument))
    for sub in command.get("subcommands", []):
        if sub.get("commandName") == "help":
            continue
        section(sub, path + [sub["commandName"]], out)


# What --help cannot say: the sections a man page has after the commands. Kept beside the
# README's "Exit status", "Weights" and "Presets", which say the same at more length.
TRAILER = r""".SH EXIT STATUS
.TP
\fB0\fR
done, or skipped by \-\-skip\-existing
.TP
\fB1\fR
another failure; batch: at least one photo failed
.TP
\fB64\fR
the command asks for what cannot be: a wrong flag or value, a preset that is not there, an output naming an input
.TP
\fB65\fR
an input is not what it should be: a missing, corrupt, truncated or too large image, a malformed preset, a damaged network
.TP
\fB74\fR
a file could not be read or written (permissions, a full disk, a missing output folder)
.TP
\fB78\fR
the set\-up: the VGG19 weights missing or altered (\fBfilterctl fetch\-weights\fR), OpenBLAS or Open MPI missing
.TP
\fB128+N\fR
stopped by signal N (130 SIGINT, 143 SIGTERM); finished scales are kept for \-\-resume
.SH ENVIRONMENT
.TP
\fBSTYLEFILTER_WEIGHTS\fR
the VGG19 weight file, when \-\-weights is not given
.TP
\fBSTYLEFILTER_THREADS\fR
worker threads (default: one per online core, at most 16)
.TP
\fBSTYLEFILTER_BLAS_KERNELS\fR, \fBOPENBLAS_CORETYPE\fR
the OpenBLAS kernels to use instead of the ones filterctl picks for the CPU
.TP
\fBXDG_CONFIG_HOME\fR, \fBXDG_DATA_HOME\fR, \fBXDG_DATA_DIRS\fR
where presets are looked for (see FILES)
.TP
\fBXDG_CACHE_HOME\fR
where the weights and preset statistics are cached (default ~/.cache)
.TP
\fBHOME\fR
the base of the default folders above
.TP
\fBTMPDIR\fR
where standard input is spooled and fetch\-weights downloads (default /tmp)
.TP
\fBCOLUMNS\fR, \fBTERM\fR
the width and kind of the terminal progress is drawn on
.TP
\fBOMPI_COMM_WORLD_SIZE\fR
set by mpirun: with \-\-mpi, the number of ranks
.SH FILES
.TP
\fI~/.cache/stylefilter/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin\fR
the VGG19 weights (\fBfilterctl fetch\-weights\fR puts them there)
.TP
\fI~/.cache/stylefilter/presets/\fR
cached style statistics of presets
.TP
\fI./presets/\fR, \fI~/.config/stylefilter/presets/\fR
presets, searched in this order after \-\-preset\-dir; \fBpreset create\fR writes to the second
.TP
\fIPREFIX/share/stylefilter/presets/\fR
the presets installed with filterctl (found relative to the installed tool or library), then those
under \fI~/.local/share\fR and each of \fBXDG_DATA_DIRS\fR (\fI/usr/local/share:/usr/share\fR)
.SH SEE ALSO
.BR vips (1),
.BR mpirun (1),
.BR parallel (1);
the C API in \fIstylefilter.h\fR (pkg\-config stylefilter); the libvips operation \fBvips stylize\fR;
the README of the StyleFilter sources.
"""


def main():
    tool = json.load(sys.stdin)["command"]
    name = tool["commandName"]
    out = [
        '.TH %s 1 "" "StyleFilter" "User Commands"\n' % name.upper(),
        ".SH NAME\n%s \\- %s\n" % (name, roff(tool.get("abstract", ""))),
        ".SH SYNOPSIS\n.B %s\n\\fISUBCOMMAND\\fR [\\fIOPTIONS\\fR]\n" % name,
        ".SH DESCRIPTION\n%s\n" % roff(tool.get("discussion", tool.get("abstract", ""))),
        ".PP\nSubcommands: %s. Each has its own section below; \\fBfilterctl SUBCOMMAND --help\\fR "
        "says the same.\n" % ", ".join(sub["commandName"] for sub in tool.get("subcommands", [])
                                       if sub.get("commandName") != "help"),
    ]
    section(tool, [name], out)
    out.append(TRAILER)
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
