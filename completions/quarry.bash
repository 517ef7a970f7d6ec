# Bash completion for quarry's two programs, indexer and query.
# Installed as share/bash-completion/completions/{indexer,query}; it needs
# nothing from the bash-completion package, so it can also be sourced alone.

_quarry_languages()
{
    local langs
    langs=$(indexer --list-languages 2>/dev/null)
    if [ -z "$langs" ]; then
        langs="arabic armenian basque catalan danish dutch english finnish
french german greek hindi hungarian indonesian irish italian lithuanian
nepali norwegian porter portuguese romanian russian serbian spanish swedish
tamil turkish yiddish none auto"
    fi
    printf '%s\n' $langs
}

# Sets cur and prev, with "--opt=value" seen as prev="--opt", cur="value"
# whether or not COMP_WORDBREAKS splits at "=".
_quarry_words()
{
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=
    if [ "$COMP_CWORD" -gt 0 ]; then
        prev=${COMP_WORDS[COMP_CWORD - 1]}
    fi
    if [ "$cur" = "=" ]; then
        cur=
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
    fi
}

# Completes file names (DIRS_ONLY: directories) matching the current word.
_quarry_files()
{
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    if [ "$1" = dirs ]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

_quarry_choose()
{
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}

# The functions of the two programs, from their option tables.
# Made by scripts/update-options: change the tables, not these lines.
_quarry_query()
{
    local cur prev
    _quarry_words
    case $prev in
    -d | --index)
        _quarry_files dirs
        return
        ;;
    --lang)
        _quarry_choose "$(_quarry_languages)"
        return
        ;;
    --format)
        _quarry_choose "text json jsonl files count"
        return
        ;;
    --color | --colour)
        _quarry_choose "auto always never"
        return
        ;;
    --repeats)
        _quarry_choose "on off"
        return
        ;;
    -n | --limit | --offset | --context | --highlight | --width | --timeout | \
        --k1 | --b | --title-weight | --proximity | --feedback | \
        --feedback-terms | --feedback-weight)
        COMPREPLY=()
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        _quarry_choose "--index --limit --offset --lang --format --json --jsonl
            --files --count --batch --context --highlight= --color --colour
            --width --parsed --explain --per-source --duplicates --all
            --no-spelling --timeout --k1 --b --title-weight --proximity
            --feedback --feedback-terms --feedback-weight --repeats --help
            --version -d -n -l -c -h -V"
        if [ ${#COMPREPLY[@]} -eq 1 ] && [[ ${COMPREPLY[0]} == *= ]]; then
            compopt -o nospace 2>/dev/null
        fi
        return
    fi
    COMPREPLY=()
}

_quarry_indexer()
{
    local cur prev
    _quarry_words
    case $prev in
    -d | --index)
        _quarry_files dirs
        return
        ;;
    --lang)
        _quarry_choose "$(_quarry_languages)"
        return
        ;;
    --format)
        _quarry_choose "auto text markdown html jsonl pdf odt docx epub mail"
        return
        ;;
    --stdin-name)
        _quarry_files
        return
        ;;
    --jobs)
        _quarry_choose "auto 0 1 2 4 8"
        return
        ;;
    --synonyms)
        _quarry_files
        return
        ;;
    --include | --exclude | --commit-every)
        COMPREPLY=()
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        _quarry_choose "--index --lang --list-languages --format --include
            --exclude --no-delete --stdin-name --wait --commit-every --jobs
            --compact --synonyms --check --watch --json --quiet --verbose
            --help --version -d -q -v -h -V"
        if [ ${#COMPREPLY[@]} -eq 1 ] && [[ ${COMPREPLY[0]} == *= ]]; then
            compopt -o nospace 2>/dev/null
        fi
        return
    fi
    _quarry_files
}

complete -F _quarry_query query
complete -F _quarry_indexer indexer
