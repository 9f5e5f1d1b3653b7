# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_socklab_global_optspecs
    string join \n lang= lessons= port-offset= socket-dir= h/help V/version
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
complete -c socklab -n "__fish_socklab_needs_command" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_needs_command" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_needs_command" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_needs_command" -s V -l version -d 'Print version'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "run" -d 'Run lessons without prompts and report a verdict per step (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "check" -d 'Grade the exercises against the live system, without prompts (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "practice" -d 'Do the lessons\' exercises and quizzes, with hints (in a terminal)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "lint" -d 'For lesson authors: check lesson files, book sections and exercise self-tests'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "list" -d 'List the lessons and your progress'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "reset" -d 'Forget your progress in LESSON, or in all lessons'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "explain" -d 'Print the book\'s explanation of a lesson, or of one of its steps (LESSON/STEP)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "book-preprocessor" -d 'The mdBook preprocessor (called by `mdbook build`, not by people)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "listen" -d 'Listen like socat: TCP4-LISTEN, TCP6-LISTEN, UDP4-LISTEN, UDP6-LISTEN, UNIX-LISTEN, UNIX-RECVFROM; discard what arrives; stop on Ctrl+C or SIGTERM'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "inspect" -d 'List sockets like ss, from the kernel\'s tables (netlink sock_diag)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "probe" -d 'Probe like nc -z: TCP, UDP or Unix socket'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "stat" -d 'Describe socket files like stat (or ls -l with --ls)'
complete -c socklab -n "__fish_socklab_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c socklab -n "__fish_socklab_using_subcommand run" -l format -d 'How to print the results' -r -f -a "text\t'Readable text'
json\t'One JSON object per step, one per line'"
complete -c socklab -n "__fish_socklab_using_subcommand run" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand run" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_using_subcommand run" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand run" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand run" -s y -l yes -d 'Do not ask before starting (a terminal is asked to confirm that real sockets open)'
complete -c socklab -n "__fish_socklab_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand check" -l format -d 'How to print the results' -r -f -a "text\t'Readable text'
json\t'One JSON object per exercise, one per line'
junit\t'JUnit XML: a test suite per lesson, a test case per exercise'"
complete -c socklab -n "__fish_socklab_using_subcommand check" -l wait -d 'Give the sockets up to SECS seconds to appear (one deadline for the whole run)' -r
complete -c socklab -n "__fish_socklab_using_subcommand check" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand check" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_using_subcommand check" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand check" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand practice" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand practice" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand lint" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand list" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand list" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_using_subcommand list" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand list" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand list" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand reset" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand reset" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l glossary -d 'Print the glossary\'s entry for TERM (list the terms without TERM)' -r
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l lessons -d 'Run the lessons in DIR instead of the shipped ones' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l port-offset -d 'Add N to every port the lessons use (to avoid ports taken on a shared machine)' -r
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l socket-dir -d 'Put the lessons\' socket files in DIR (created if missing) instead of /tmp' -r -F
complete -c socklab -n "__fish_socklab_using_subcommand explain" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand book-preprocessor" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand listen" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand listen" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l port -d 'Only sockets whose local port is PORT' -r
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
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
complete -c socklab -n "__fish_socklab_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s w -d 'Give up after SECS seconds' -r
complete -c socklab -n "__fish_socklab_using_subcommand probe" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s 4 -d 'Use IPv4 only'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s 6 -d 'Use IPv6 only'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s u -d 'UDP instead of TCP (with -U: a datagram Unix socket)'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s v -d 'Verbose: say what happened'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s z -d 'Zero-I/O mode: only connect (socklab always probes this way)'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s n -d 'Do not look up names or services'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s U -d 'The target is a Unix socket path'
complete -c socklab -n "__fish_socklab_using_subcommand probe" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l lang -d 'The language to speak: en or zh-CN (default: SOCKLAB_LANG, else LC_ALL, LC_MESSAGES, LANG)' -r
complete -c socklab -n "__fish_socklab_using_subcommand stat" -l ls -d 'Print one `ls -l` line per file instead of stat\'s block'
complete -c socklab -n "__fish_socklab_using_subcommand stat" -s h -l help -d 'Print help'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "run" -d 'Run lessons without prompts and report a verdict per step (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "check" -d 'Grade the exercises against the live system, without prompts (exit 0 when all passed)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "practice" -d 'Do the lessons\' exercises and quizzes, with hints (in a terminal)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "lint" -d 'For lesson authors: check lesson files, book sections and exercise self-tests'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "list" -d 'List the lessons and your progress'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "reset" -d 'Forget your progress in LESSON, or in all lessons'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "explain" -d 'Print the book\'s explanation of a lesson, or of one of its steps (LESSON/STEP)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "book-preprocessor" -d 'The mdBook preprocessor (called by `mdbook build`, not by people)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "listen" -d 'Listen like socat: TCP4-LISTEN, TCP6-LISTEN, UDP4-LISTEN, UDP6-LISTEN, UNIX-LISTEN, UNIX-RECVFROM; discard what arrives; stop on Ctrl+C or SIGTERM'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "inspect" -d 'List sockets like ss, from the kernel\'s tables (netlink sock_diag)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "probe" -d 'Probe like nc -z: TCP, UDP or Unix socket'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "stat" -d 'Describe socket files like stat (or ls -l with --ls)'
complete -c socklab -n "__fish_socklab_using_subcommand help; and not __fish_seen_subcommand_from run check practice lint list reset explain book-preprocessor listen inspect probe stat help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
