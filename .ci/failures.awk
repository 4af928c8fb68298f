# Prints each failed result's name, then its message and the top of its stack (a few lines each), XML entities decoded.
function text(s) { gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "'", s); gsub(/&amp;/, "\\&", s); return s }
/<UnitTestResult / {
  bad = $0 ~ /outcome="(Failed|Error|Timeout|Aborted)"/ && $0 !~ /\/>[[:space:]]*$/
  if ($0 ~ /outcome="(Failed|Error|Timeout|Aborted)"/ && match($0, /testName="[^"]*"/)) print "failed: " text(substr($0, RSTART + 10, RLENGTH - 11))
}
bad && /<(Message|StackTrace)>/ { part = 1; n = 0 }
bad && part {
  line = $0; sub(/.*<(Message|StackTrace)>/, "", line); sub(/<\/(Message|StackTrace)>.*/, "", line)
  if (n++ < 12) print "    " text(line)
  if ($0 ~ /<\/(Message|StackTrace)>/) part = 0
}
/<\/UnitTestResult>/ { bad = 0 }
