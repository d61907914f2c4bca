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

set title "p2p-latency, one way, 100 B (lower is better)"
set ylabel "microseconds (log scale)"
set logscale y
set yrange [*:*]
# skip 1: the first line of each table names the columns.
plot dir."/latency.dat" skip 1 using 2:xtic(1) title "p50", \
     "" skip 1 using 3 title "p99", \
     "" skip 1 using 4 title "p99.9"
unset logscale y
set yrange [0:*]

set title "p2p-throughput, one sender (higher is better)"
set ylabel "messages per second"
set format y "%.0s%c"
plot dir."/throughput.dat" skip 1 using 2:xtic(1) title "100 B", \
     "" skip 1 using 3 title "4 KB"

set title "fanout to a channel (higher is better)"
set ylabel "deliveries per second"
plot dir."/fanout.dat" skip 1 using 2:xtic(1) title "deliveries/s"
unset multiplot
