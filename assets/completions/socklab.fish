# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_socklab_global_optspecs
    string join \n lang= lessons= port-offset= socket-dir= isolation= class= h/help V/version
end

function __fish_socklab_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_socklab_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_socklab_using_subcommand
    set -l cmd (__fish_socklab_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c socklab -n "__fish_socklab_needs_command" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_needs_command" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_needs_command" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_needs_command" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_needs_command" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_needs_command" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_needs_command" -s V -l version -d 'Print version'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "run" -d 'Run lessons without prompts and report a verdict per step (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "check" -d 'Grade the exercises against the live system, without prompts (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "practice" -d 'Do the lessons\' exercises and quizzes, with hints (in a terminal)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "lint" -d 'For lesson authors: check lesson files, book sections and exercise self-tests'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "shell" -d 'Open your shell (or run COMMAND) in your own lab: the tutorial\'s ports and /tmp, yours alone'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "list" -d 'List the lessons and your progress'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "reset" -d 'Forget your progress in LESSON, or in all lessons'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "explain" -d 'Print the book\'s explanation of a lesson, or of one of its steps (LESSON/STEP)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "lab-holder" -d 'The holder of a lasting lab (started by `socklab shell`, not by people)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "config" -d 'Show the configuration in effect, and where each value came from'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "class" -d 'For instructors: make a class directory, and follow the class\'s progress'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "book-preprocessor" -d 'The mdBook preprocessor (called by `mdbook build`, not by people)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "listen" -d 'Listen like socat: TCP4-LISTEN, TCP6-LISTEN, UDP4-LISTEN, UDP6-LISTEN, UNIX-LISTEN, UNIX-RECVFROM; discard what arrives; stop on Ctrl+C or SIGTERM'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "inspect" -d 'List sockets like ss, from the kernel\'s tables (netlink sock_diag)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "probe" -d 'Probe like nc -z: TCP, UDP or Unix socket'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "stat" -d 'Describe socket files like stat (or ls -l with --ls)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c socklab -n "__fish_socklab_using_subcommand run" -l format -d 'How to print the results' -r -f -a "text\t'Readable text'
json\t'One JSON object per step, one per line'"
complete -c socklab -n "__fish_socklab_using_subcommand run" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand run" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand run" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand run" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand run" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand run" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand run" -s y -l yes -d 'Do not ask before starting (a terminal is asked to confirm that real sockets open)'
complete -c socklab -n "__fish_socklab_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand check" -l format -d 'How to print the results' -r -f -a "text\t'Readable text'
json\t'One JSON object per exercise, one per line'
junit\t'JUnit XML: a test suite per lesson, a test case per exercise'"
complete -c socklab -n "__fish_socklab_using_subcommand check" -l wait -d 'Give the sockets up to SECS seconds to appear (one deadline for the whole run)' -r
complete -c socklab -n "__fish_socklab_using_subcommand check" -l user -d 'Grade user NAME (a name or a uid; root only): only their sockets and files count, and nothing is recorded' -r
complete -c socklab -n "__fish_socklab_using_subcommand check" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand check" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand check" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand check" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand check" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand check" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand practice" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand shell" -l host -d 'Run it on the lab\'s simulated host NAME (client or server: the firewall lesson\'s)' -r -f -a "client\t''
server\t''"
complete -c socklab -n "__fish_socklab_using_subcommand shell" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand shell" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand shell" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand shell" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand shell" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand shell" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand shell" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand list" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand list" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand list" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand list" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand list" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand list" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l glossary -d 'Print the glossary\'s entry for TERM (list the terms without TERM)' -r
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l held
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -l probe
complete -c socklab -n "__fish_socklab_using_subcommand lab-holder" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand config" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand config" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand config" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand config" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand config" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand config" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -f -a "init" -d 'Make DIR a class directory (sticky, mode 1733) and print the line to hand out'
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -f -a "report" -d 'One row per student: steps per lesson, exercises, quizzes, hints, last activity'
complete -c socklab -n "__fish_socklab_using_subcommand class; and not __fish_seen_subcommand_from init report help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from init" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from init" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from init" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from init" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from init" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from init" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l format -d 'How to print the report' -r -f -a "text\t'A table for people'
csv\t'A header row and one row per student, safe to open in a spreadsheet'
json\t'One JSON document: the students, the totals and the entries skipped'
junit\t'JUnit XML: a test suite per student, a test case per step and exercise'"
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -l watch -d 'Redraw the report every 2 seconds in the terminal, until Ctrl+C'
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from help" -f -a "init" -d 'Make DIR a class directory (sticky, mode 1733) and print the line to hand out'
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from help" -f -a "report" -d 'One row per student: steps per lesson, exercises, quizzes, hints, last activity'
complete -c socklab -n "__fish_socklab_using_subcommand class; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l notes -d 'Print socklab\'s lines (ready, notes) even when stderr is not a terminal; without it a piped `socklab listen` is as silent as socat'
complete -c socklab -n "__fish_socklab_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s A -l query -d 'Socket tables to list, comma-separated: all, inet, tcp, udp, unix, u_str, u_dgr, u_seq…' -r
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s f -l family -d 'Address family: inet, inet6, unix (link, netlink, vsock, tipc, xdp are not in socklab)' -r
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l port -d 'socklab\'s alias for the filter `sport = :PORT` (TCP and UDP only)' -r
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s N -l net -r
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s 4 -l ipv4 -d 'Only IPv4 sockets'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s 6 -l ipv6 -d 'Only IPv6 sockets'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s t -l tcp -d 'TCP sockets'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s u -l udp -d 'UDP sockets'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s x -l unix -d 'Unix domain sockets'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s l -l listening -d 'Only listening sockets (LISTEN, and unconnected bound datagram sockets)'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s a -l all -d 'Listening and non-listening sockets'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s n -l numeric -d 'Numeric ports: do not resolve service names'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s H -l no-header -d 'No header line'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s p -l processes -d 'Show the processes that hold each socket'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s o -l options -d 'Show timers (a TIME-WAIT\'s countdown, retransmits, keepalive)'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s e -l extended -d 'Show details: uid, inode, cookie, cgroup, v6only, shutdown (and timers)'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s m -l memory -d 'Show socket memory (skmem)'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s O -l oneline -d 'Keep each socket on one line (what -m adds goes on the socket\'s own line)'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s i -l info -d 'Internal TCP information (not in socklab: the real ss shows it)'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s s -l summary -d 'Print a summary of socket counts'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s w -l raw
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s 0 -l packet
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s d -l dccp
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s S -l sctp
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s M -l mptcp
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s r -l resolve
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s T -l threads
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s K -l kill
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s E -l events
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s b -l bpf
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s Z -l context
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s z -l contexts
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l notes -d 'Print socklab\'s notes even when standard error is not a terminal'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s w -d 'Give up after SECS seconds' -r
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s 4 -d 'Use IPv4 only'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s 6 -d 'Use IPv6 only'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s u -d 'UDP instead of TCP (with -U: a datagram Unix socket)'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s v -d 'Verbose: say what happened'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s z -d 'Zero-I/O mode: only connect (socklab always probes this way)'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s n -d 'Do not look up names or services'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s U -d 'The target is a Unix socket path'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l notes -d 'Print socklab\'s notes even when stderr is not a terminal (piped, socklab prints only what nc prints)'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l port-offset -d 'Add N to every port the lessons use (a lab has its own ports; this is for the host)' -r
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l isolation -d 'Where lessons and exercises run: a lab of your own (auto falls back to moved ports where the kernel refuses one), or the host [env: SOCKLAB_ISOLATION]' -r -f -a "auto\t'A lab of the student\'s own where the kernel allows one; otherwise ports and socket files moved per user on the host, with a notice'
namespace\t'A lab of the student\'s own, or a clear error saying why the kernel refuses one'
none\t'On the host, as the tutorial is written (ports and paths shared with everyone)'"
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l class -d 'Record your verdicts in the class directory DIR (`socklab class init` makes one) [env: SOCKLAB_CLASS]' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l ls -d 'Print what `ls -l` prints instead of stat\'s block: a line per file, a directory\'s contents'
complete -c socklab -n "__fish_socklab_using_subcommand stat" -s d -l directory -d 'With --ls: a directory itself rather than its contents (`ls -ld`)'
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l notes -d 'Print socklab\'s notes even when stderr is not a terminal'
complete -c socklab -n "__fish_socklab_using_subcommand stat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "run" -d 'Run lessons without prompts and report a verdict per step (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "check" -d 'Grade the exercises against the live system, without prompts (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "practice" -d 'Do the lessons\' exercises and quizzes, with hints (in a terminal)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "lint" -d 'For lesson authors: check lesson files, book sections and exercise self-tests'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "shell" -d 'Open your shell (or run COMMAND) in your own lab: the tutorial\'s ports and /tmp, yours alone'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "list" -d 'List the lessons and your progress'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "reset" -d 'Forget your progress in LESSON, or in all lessons'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "explain" -d 'Print the book\'s explanation of a lesson, or of one of its steps (LESSON/STEP)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "lab-holder" -d 'The holder of a lasting lab (started by `socklab shell`, not by people)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "config" -d 'Show the configuration in effect, and where each value came from'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "class" -d 'For instructors: make a class directory, and follow the class\'s progress'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "book-preprocessor" -d 'The mdBook preprocessor (called by `mdbook build`, not by people)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "listen" -d 'Listen like socat: TCP4-LISTEN, TCP6-LISTEN, UDP4-LISTEN, UDP6-LISTEN, UNIX-LISTEN, UNIX-RECVFROM; discard what arrives; stop on Ctrl+C or SIGTERM'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "inspect" -d 'List sockets like ss, from the kernel\'s tables (netlink sock_diag)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "probe" -d 'Probe like nc -z: TCP, UDP or Unix socket'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "stat" -d 'Describe socket files like stat (or ls -l with --ls)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and __fish_seen_subcommand_from class" -f -a "init" -d 'Make DIR a class directory (sticky, mode 1733) and print the line to hand out'
complete -c socklab -n "__fish_socklab_using_subcommand help; and __fish_seen_subcommand_from class" -f -a "report" -d 'One row per student: steps per lesson, exercises, quizzes, hints, last activity'
