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
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
