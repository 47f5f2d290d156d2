// One app and one browser at a time: the frame-time and latency measurements must not share two cores with another
// test's server and Chromium.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
