# plot.gp: the figure of docs/BENCHMARKS.md, from the tables rtm-bench
# writes next to results.json. Run by `make bench`:
#   gnuplot -e "dir='build/bench'" native/bench/plot.gp
# Writes dir/benchmarks.png.
if (!exists("dir")) dir = "build/bench"
set terminal pngcairo size 1500,520 font "sans,10"
set output dir."/benchmarks.png"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set xtics nomirror rotate by 25 right
set yrange [0:*]
set multiplot layout 1,3 title "rtm-bench on loopback: medians of the runs"

# A run of some scenarios only leaves the others' tables with their header
# alone: their panels say so instead of failing the plot.
rows(f) = int(system("tail -n +2 '".f."' 2>/dev/null | wc -l"))
empty_panel = "set label 1 'not in this run' at graph 0.5, 0.5 center; " . \
              "set xrange [0:1]; set yrange [0:1]; unset logscale y; " . \
              "unset xtics; unset ytics; unset grid; unset ylabel; " . \
              "plot NaN notitle; unset label 1; set xrange [*:*]; set yrange [0:*]; " . \
              "set xtics nomirror rotate by 25 right; set ytics; set grid ytics"

set title "p2p-latency, one way, 100 B (lower is better)"
set ylabel "microseconds (log scale)"
set logscale y
set yrange [*:*]
# skip 1: the first line of each table names the columns.
if (rows(dir."/latency.dat") > 0) {
    plot dir."/latency.dat" skip 1 using 2:xtic(1) title "p50", \
         "" skip 1 using 3 title "p99", \
         "" skip 1 using 4 title "p99.9"
} else {
    eval empty_panel
}
unset logscale y
set yrange [0:*]

# In thousands, with plain numbers: an engineering format ("%.0s%c")
# rounds 1.2M and 1.4M both to "1M".
set title "p2p-throughput, one sender (higher is better)"
set ylabel "thousand messages per second"
set format y "%g"
if (rows(dir."/throughput.dat") > 0) {
    plot dir."/throughput.dat" skip 1 using ($2/1000):xtic(1) title "100 B", \
         "" skip 1 using ($3/1000) title "4 KB"
} else {
    eval empty_panel
}

set title "fanout to a channel (higher is better)"
set ylabel "thousand deliveries per second"
if (rows(dir."/fanout.dat") > 0) {
    plot dir."/fanout.dat" skip 1 using ($2/1000):xtic(1) title "deliveries/s"
} else {
    eval empty_panel
}
unset multiplot
