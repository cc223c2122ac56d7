using SparseVirt.Cli.Infrastructure;

namespace SparseVirt.Tests.Cli;

public class TerminalProgressBarTests
{
    [Test]
    public void RendersBytesRateAndTimeLeft()
    {
        string line = TerminalProgressBar.Render("Expanding", 512L * 1024 * 1024, 1024L * 1024 * 1024, TimeSpan.FromSeconds(2));

        Assert.Multiple(() =>
        {
            Assert.That(line, Does.StartWith("Expanding ["));
            Assert.That(line, Does.Contain(" 50%"));
            Assert.That(line, Does.Contain("512.0 MiB/1.0 GiB"));
            Assert.That(line, Does.Contain("256.0 MiB/s"));
            Assert.That(line, Does.Contain("ETA 0:02"));
        });
    }

    [Test]
    public void SaysDoneWithTheElapsedTimeAtTheEnd()
    {
        string line = TerminalProgressBar.Render("Sparsing", 1000, 1000, TimeSpan.FromSeconds(75));

        Assert.That(line, Does.Contain("100%").And.Contain("done 1:15"));
    }

    [Test]
    public void AnEstimateBeyondNinetyNineHoursSaysSoInsteadOfThrowing()
    {
        // One byte in ten seconds of a 1 TiB image: about 350,000 years left, beyond TimeSpan's range.
        string line = TerminalProgressBar.Render("Expanding", 1, 1L << 40, TimeSpan.FromSeconds(10));

        Assert.That(line, Does.Contain("ETA >99h"));
    }

    [Test]
    public void DurationsOfADayOrMoreKeepTheirDays()
    {
        string line = TerminalProgressBar.Render("Expanding", 1000, 1000, TimeSpan.FromHours(30) + TimeSpan.FromSeconds(5));

        Assert.That(line, Does.Contain("done 30:00:05"));
    }

    [Test]
    public void DrawsNothingWhenStandardErrorIsNotATerminal()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using (IProgressBar bar = TerminalProgressBar.Create(SparseVirt.Cli.CliConsole.ForStrings(output, error), "Expanding", 100))
        {
            bar.Report(50);
            bar.Report(100);
        }

        Assert.That(error.ToString(), Is.Empty);
    }
}
