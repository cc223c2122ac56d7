using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SparseVirt.Benchmarks.Sparse;

/// <summary>
/// A GB/s column for benchmark classes marked with <see cref="BytesPerOperationAttribute"/> (run briefly:
/// <c>--job short --warmupCount 1 --iterationCount 3 --inProcess</c>).
/// </summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new GigabytesPerSecondColumn());
    }

    private sealed class GigabytesPerSecondColumn : IColumn
    {
        public string Id => nameof(GigabytesPerSecondColumn);

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Bytes processed per second (the class's BytesPerOperation), in 10^9 bytes";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (benchmarkCase.Descriptor.Type.GetCustomAttributes(typeof(BytesPerOperationAttribute), inherit: false) is not [BytesPerOperationAttribute bytes])
            {
                return "-";
            }
            double? nanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return nanoseconds is > 0 ? (bytes.Bytes / nanoseconds.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "?";
        }
    }
}

/// <summary>How many bytes one operation of the benchmarks in this class processes, for the GB/s column.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class BytesPerOperationAttribute(long bytes) : Attribute
{
    public long Bytes { get; } = bytes;
}
