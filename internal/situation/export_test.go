package situation

// Spark is spark, for the tests.
var Spark = spark
