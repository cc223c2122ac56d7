namespace SparseVirt.Qemu;

/// <summary>A <see cref="QemuMachineDefinition"/> is invalid; <see cref="Problems"/> lists every problem, each naming its option.</summary>
public sealed class QemuDefinitionException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="problems"/>.</summary>
    public QemuDefinitionException(IReadOnlyList<string> problems)
        : base(FormatMessage(problems))
    {
        Problems = problems;
    }

    /// <summary>Creates the exception with a single problem.</summary>
    public QemuDefinitionException(string problem)
        : this([problem])
    {
    }

    /// <summary>Creates the exception with a single problem and its cause.</summary>
    public QemuDefinitionException(string problem, Exception innerException)
        : base(FormatMessage([problem]), innerException)
    {
        Problems = [problem];
    }

    /// <summary>Creates the exception with no problems listed.</summary>
    public QemuDefinitionException()
        : this([])
    {
    }

    /// <summary>Each problem, naming the option it concerns.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string FormatMessage(IReadOnlyList<string> problems) => problems.Count switch
    {
        0 => "The QEMU machine definition is invalid.",
        1 => "The QEMU machine definition is invalid: " + problems[0],
        _ => $"The QEMU machine definition has {problems.Count} problems:" + string.Concat(problems.Select(problem => Environment.NewLine + "  - " + problem)),
    };
}
