# SPDX-License-Identifier: MIT
# docs/api/undocumented.awk: reads Doxygen's XML output (all of xml/*.xml,
# concatenated) and prints one line per public or protected member or enum
# value that has no documentation, as "kind name (file:line)", then a last
# line "documented N undocumented M". ci/docs runs it after Doxygen: Doxygen
# 1.9.4 does not warn about an undocumented `= default` member or enum
# value. Deleted functions (`= delete`) and friend class declarations
# (the library's own, hidden from the HTML) are not counted: they are no API.
function flush_member() {
  if (kind == "friend" && args !~ /\(/) return
  if (prot != "private" && !(id in seen) && args !~ /=[ ]*delete/) {
    seen[id] = 1
    if (doc) documented++
    else { undocumented++; printf "%s %s (%s)\n", kind, qname != "" ? qname : name, loc }
  }
}
/<memberdef / {
  id = $0; sub(/.*id="/, "", id); sub(/".*/, "", id)
  prot = $0; sub(/.*prot="/, "", prot); sub(/".*/, "", prot)
  kind = $0; sub(/.*kind="/, "", kind); sub(/".*/, "", kind)
  inmem = 1; inval = 0; doc = 0; name = ""; qname = ""; args = ""; loc = ""
  next
}
/<enumvalue / {
  vid = $0; sub(/.*id="/, "", vid); sub(/".*/, "", vid)
  vprot = $0; sub(/.*prot="/, "", vprot); sub(/".*/, "", vprot)
  inval = 1; vdoc = 0; vname = ""
  next
}
inval && /<name>/ && vname == "" { vname = $0; sub(/.*<name>/, "", vname); sub(/<\/name>.*/, "", vname) }
inval && /<para>/ { vdoc = 1 }
inval && /<\/enumvalue>/ {
  inval = 0
  if (vprot != "private" && !(vid in seen)) {
    seen[vid] = 1
    if (vdoc) documented++
    else { undocumented++; printf "enumvalue %s::%s\n", (qname != "" ? qname : name), vname }
  }
  next
}
inmem && !inval && /<name>/ && name == "" { name = $0; sub(/.*<name>/, "", name); sub(/<\/name>.*/, "", name) }
inmem && !inval && /<qualifiedname>/ { qname = $0; sub(/.*<qualifiedname>/, "", qname); sub(/<\/qualifiedname>.*/, "", qname) }
inmem && !inval && /<argsstring>/ { args = $0 }
inmem && !inval && /<para>/ { doc = 1 }
inmem && /<location / {
  loc = $0; sub(/.*file="/, "", loc); f = loc; sub(/".*/, "", f)
  l = $0; sub(/.*[^y]line="/, "", l); sub(/".*/, "", l)
  sub(/.*include\//, "", f); loc = f ":" l
}
inmem && /<\/memberdef>/ { inmem = 0; flush_member() }
END { printf "documented %d undocumented %d\n", documented, undocumented }
