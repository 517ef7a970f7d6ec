# Index time and query latency against corpus size, from bench/run-scale's
# scale.tsv:  gnuplot -e "data='scale.tsv'; out='scale.png'" plot-scale.gp
set terminal pngcairo size 1100,460 font "DejaVu Sans,10"
set output out
set datafile separator "\t"
set key top left
set grid
set multiplot layout 1,2 title "quarry and SQLite FTS5 on the Wikipedia sample repeated 1x to 8x"

set title "Index build time"
set xlabel "corpus (MB of JSON Lines)"
set ylabel "seconds"
plot data using 2:4 skip 1 with linespoints lw 2 pt 7 title "quarry (bulk, all cores)", \
     data using 2:7 skip 1 with linespoints lw 2 pt 5 title "SQLite FTS5"

set title "Query latency, 85 Cranfield and CISI questions (one process)"
set key bottom right
set xlabel "corpus (MB of JSON Lines)"
set ylabel "milliseconds"
set logscale y
plot data using 2:8 skip 1 with linespoints lw 2 pt 7 title "quarry p50", \
     data using 2:9 skip 1 with linespoints lw 2 pt 6 dt 2 title "quarry p99", \
     data using 2:10 skip 1 with linespoints lw 2 pt 5 title "FTS5 p50", \
     data using 2:11 skip 1 with linespoints lw 2 pt 4 dt 2 title "FTS5 p99"
unset multiplot
