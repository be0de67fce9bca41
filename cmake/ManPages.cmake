# cmake -DCLI=<maskinporten> -DOUT=<dir> -DHELP2MAN=<help2man> -DVERSION=<x.y.z> -P ManPages.cmake
#
# maskinporten.1 from `maskinporten --help`, and maskinporten-<verb>.1 from `maskinporten <verb>
# --help` for every verb that --help lists: the pages are the binary's own words, so they cannot
# drift from it (gzipped). help2man runs a one-line wrapper per verb (it takes the page's name from the
# program's name).
foreach(var CLI OUT HELP2MAN VERSION)
  if(NOT ${var})
    message(FATAL_ERROR "ManPages.cmake: -D${var}= is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/wrappers")

execute_process(COMMAND "${CLI}" --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CLI} --help exited ${rc}")
endif()
# CLI11 lists the verbs under "Subcommands:" (or "SUBCOMMANDS:"), one "  name  description" line
# each, up to a blank line.
string(REGEX REPLACE ".*\n[Ss][Uu][Bb][Cc][Oo][Mm][Mm][Aa][Nn][Dd][Ss]:\n" "" verbs_text "${help}")
string(REGEX REPLACE "\n\n.*" "" verbs_text "${verbs_text}")
string(REGEX MATCHALL "(^|\n)  [a-z][a-z0-9-]*" verbs "${verbs_text}")
list(TRANSFORM verbs REPLACE "^\n?  " "")
if(NOT verbs)
  message(FATAL_ERROR "no Subcommands: section in `${CLI} --help`")
endif()

function(mp_man program name_line out)
  execute_process(
    COMMAND "${HELP2MAN}" --no-info --no-discard-stderr --section=1 "--name=${name_line}"
            "--version-string=${VERSION}" "--output=${out}" "${program}"
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man ${program}: ${err}")
  endif()
endfunction()

mp_man("${CLI}" "tokens, grants, keys, certificates and a local Maskinporten"
       "${OUT}/maskinporten.1")
foreach(verb IN LISTS verbs)
  set(wrapper "${OUT}/wrappers/maskinporten-${verb}")
  file(WRITE "${wrapper}" "#!/bin/sh\nexec \"${CLI}\" ${verb} \"$@\"\n")
  file(CHMOD "${wrapper}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  # The verb's one-line description from the main --help.
  string(REGEX MATCH "\n  ${verb} +([^\n]*)" line "\n${verbs_text}")
  set(desc "${CMAKE_MATCH_1}")
  if(NOT desc)
    set(desc "maskinporten ${verb}")
  endif()
  mp_man("${wrapper}" "${desc}" "${OUT}/maskinporten-${verb}.1")
endforeach()
file(REMOVE_RECURSE "${OUT}/wrappers")
# Compressed, without a timestamp (man reads .gz; Debian wants them so).
file(GLOB pages "${OUT}/*.1")
execute_process(COMMAND gzip -9nf ${pages} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip of the man pages failed")
endif()
