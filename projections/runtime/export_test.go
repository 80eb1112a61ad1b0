package runtime

// RelaxGC is relaxGC, for the test of how rebuilds set the collector.
var RelaxGC = relaxGC
