_socklab() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="socklab"
                ;;
            socklab,book-preprocessor)
                cmd="socklab__subcmd__book__subcmd__preprocessor"
                ;;
            socklab,check)
                cmd="socklab__subcmd__check"
                ;;
            socklab,class)
                cmd="socklab__subcmd__class"
                ;;
            socklab,config)
                cmd="socklab__subcmd__config"
                ;;
            socklab,explain)
                cmd="socklab__subcmd__explain"
                ;;
            socklab,help)
                cmd="socklab__subcmd__help"
                ;;
            socklab,inspect)
                cmd="socklab__subcmd__inspect"
                ;;
            socklab,lab-holder)
                cmd="socklab__subcmd__lab__subcmd__holder"
                ;;
            socklab,lint)
                cmd="socklab__subcmd__lint"
                ;;
            socklab,list)
                cmd="socklab__subcmd__list"
                ;;
            socklab,listen)
                cmd="socklab__subcmd__listen"
                ;;
            socklab,practice)
                cmd="socklab__subcmd__practice"
                ;;
            socklab,probe)
                cmd="socklab__subcmd__probe"
                ;;
            socklab,reset)
                cmd="socklab__subcmd__reset"
                ;;
            socklab,run)
                cmd="socklab__subcmd__run"
                ;;
            socklab,shell)
                cmd="socklab__subcmd__shell"
                ;;
            socklab,stat)
                cmd="socklab__subcmd__stat"
                ;;
            socklab__subcmd__class,help)
                cmd="socklab__subcmd__class__subcmd__help"
                ;;
            socklab__subcmd__class,init)
                cmd="socklab__subcmd__class__subcmd__init"
                ;;
            socklab__subcmd__class,report)
                cmd="socklab__subcmd__class__subcmd__report"
                ;;
            socklab__subcmd__class__subcmd__help,help)
                cmd="socklab__subcmd__class__subcmd__help__subcmd__help"
                ;;
            socklab__subcmd__class__subcmd__help,init)
                cmd="socklab__subcmd__class__subcmd__help__subcmd__init"
                ;;
            socklab__subcmd__class__subcmd__help,report)
                cmd="socklab__subcmd__class__subcmd__help__subcmd__report"
                ;;
            socklab__subcmd__help,book-preprocessor)
                cmd="socklab__subcmd__help__subcmd__book__subcmd__preprocessor"
                ;;
            socklab__subcmd__help,check)
                cmd="socklab__subcmd__help__subcmd__check"
                ;;
            socklab__subcmd__help,class)
                cmd="socklab__subcmd__help__subcmd__class"
                ;;
            socklab__subcmd__help,config)
                cmd="socklab__subcmd__help__subcmd__config"
                ;;
            socklab__subcmd__help,explain)
                cmd="socklab__subcmd__help__subcmd__explain"
                ;;
            socklab__subcmd__help,help)
                cmd="socklab__subcmd__help__subcmd__help"
                ;;
            socklab__subcmd__help,inspect)
                cmd="socklab__subcmd__help__subcmd__inspect"
                ;;
            socklab__subcmd__help,lab-holder)
                cmd="socklab__subcmd__help__subcmd__lab__subcmd__holder"
                ;;
            socklab__subcmd__help,lint)
                cmd="socklab__subcmd__help__subcmd__lint"
                ;;
            socklab__subcmd__help,list)
                cmd="socklab__subcmd__help__subcmd__list"
                ;;
            socklab__subcmd__help,listen)
                cmd="socklab__subcmd__help__subcmd__listen"
                ;;
            socklab__subcmd__help,practice)
                cmd="socklab__subcmd__help__subcmd__practice"
                ;;
            socklab__subcmd__help,probe)
                cmd="socklab__subcmd__help__subcmd__probe"
                ;;
            socklab__subcmd__help,reset)
                cmd="socklab__subcmd__help__subcmd__reset"
                ;;
            socklab__subcmd__help,run)
                cmd="socklab__subcmd__help__subcmd__run"
                ;;
            socklab__subcmd__help,shell)
                cmd="socklab__subcmd__help__subcmd__shell"
                ;;
            socklab__subcmd__help,stat)
                cmd="socklab__subcmd__help__subcmd__stat"
                ;;
            socklab__subcmd__help__subcmd__class,init)
                cmd="socklab__subcmd__help__subcmd__class__subcmd__init"
                ;;
            socklab__subcmd__help__subcmd__class,report)
                cmd="socklab__subcmd__help__subcmd__class__subcmd__report"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        socklab)
            opts="-h -V --lang --lessons --port-offset --socket-dir --isolation --class --help --version run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__book__subcmd__preprocessor)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__check)
            opts="-h --format --wait --user --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "text json junit" -- "${cur}"))
                    return 0
                    ;;
                --wait)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__class)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help init report help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__class__subcmd__help)
            opts="init report help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__class__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__class__subcmd__help__subcmd__init)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__class__subcmd__help__subcmd__report)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__class__subcmd__init)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__class__subcmd__report)
            opts="-h --watch --format --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "text csv json junit" -- "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__config)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__explain)
            opts="-h --glossary --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --glossary)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help)
            opts="run check practice lint shell list reset explain lab-holder config class book-preprocessor listen inspect probe stat help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__book__subcmd__preprocessor)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__check)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__class)
            opts="init report"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__class__subcmd__init)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__class__subcmd__report)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__config)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__explain)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__inspect)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__lab__subcmd__holder)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__lint)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__listen)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__practice)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__probe)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__reset)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__run)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__shell)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__help__subcmd__stat)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__inspect)
            opts="-4 -6 -t -u -x -l -a -n -H -p -o -e -m -O -i -s -A -f -w -0 -d -S -M -r -T -K -E -b -Z -z -N -h --ipv4 --ipv6 --tcp --udp --unix --listening --all --numeric --no-header --processes --options --extended --memory --oneline --info --summary --query --family --port --raw --packet --dccp --sctp --mptcp --resolve --threads --kill --events --bpf --context --contexts --net --notes --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --query)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -A)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --family)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -f)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --net)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -N)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__lab__subcmd__holder)
            opts="-h --held --probe --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__lint)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__list)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__listen)
            opts="-h --notes --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__practice)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__probe)
            opts="-4 -6 -u -v -z -n -U -w -h --notes --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                -w)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__reset)
            opts="-h --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__run)
            opts="-y -h --yes --format --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__shell)
            opts="-h --host --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --host)
                    COMPREPLY=($(compgen -W "client server" -- "${cur}"))
                    return 0
                    ;;
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        socklab__subcmd__stat)
            opts="-d -h --ls --directory --notes --lang --lessons --port-offset --socket-dir --isolation --class --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --lang)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lessons)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port-offset)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --socket-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --isolation)
                    COMPREPLY=($(compgen -W "auto namespace none" -- "${cur}"))
                    return 0
                    ;;
                --class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _socklab -o nosort -o bashdefault -o default socklab
else
    complete -F _socklab -o bashdefault -o default socklab
fi
