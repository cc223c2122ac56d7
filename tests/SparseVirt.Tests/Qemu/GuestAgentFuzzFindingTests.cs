using SparseVirt.Qemu.GuestAgent;
using SparseVirt.Qemu.Qmp;
using SparseVirt.Tests.Infrastructure;

namespace SparseVirt.Tests.Qemu;

/// <summary>
/// Regressions for what the guest-agent fuzz target found. The inputs in FuzzFindings/ are in that target's format:
/// what the agent sends, cut into turns at NUL bytes, each turn sent after the client's next request; the target's
/// sync ids are 1001, 1002, ..., given here through the same internal seam.
/// </summary>
[TestFixture]
[CancelAfter(30_000)]
public sealed class GuestAgentFuzzFindingTests
{
    /// <summary>Connects as the target does (first sync id 1001) and answers the sync with the finding's first turn.</summary>
    private static async Task<GuestAgentClient> ConnectAsync(FakeGuestAgent agent, byte[] syncTurn)
    {
        long nextId = 1001;
        GuestAgentClientOptions options = GuestAgentClientOptions.Default
            .WithSyncTimeout(TimeSpan.FromSeconds(20)).WithCommandTimeout(TimeSpan.FromSeconds(20)).WithSyncIdSource(() => nextId++);
        Task<GuestAgentClient> connecting = GuestAgentClient.ConnectAsync(agent.ClientStream, options);
        Assert.That((await agent.ReadRequestAsync()).GetProperty("arguments").GetProperty("id").GetInt64(), Is.EqualTo(1001));
        await agent.SendRawAsync(syncTurn);
        return await connecting;
    }

    /// <summary>Starts <paramref name="command"/>, answers it with <paramref name="turn"/> once the agent has read it, and returns it.</summary>
    private static async Task<T> AnswerAsync<T>(FakeGuestAgent agent, Task<T> command, byte[] turn)
    {
        await agent.ReadRequestAsync();
        await agent.SendRawAsync(turn);
        return await command;
    }

    [Test]
    public async Task A_guest_info_reply_without_members_gives_defaults_not_nulls()
    {
        byte[][] turns = FuzzFindingInputs.Turns("guest-agent-info-without-members.bin");
        var agent = new FakeGuestAgent();
        await using GuestAgentClient client = await ConnectAsync(agent, turns[0]);
        await AnswerAsync(agent, client.PingAsync().ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default), turns[1]);
        GuestAgentInfo result = await AnswerAsync(agent, client.GetInfoAsync(), turns[2]);
        Assert.That(result.Version, Is.EqualTo(""), "no version member: empty, not null");
        Assert.That(result.SupportedCommands, Has.Count.EqualTo(1), "the null entry is dropped");
        Assert.That(result.SupportedCommands[0].Name, Is.EqualTo(""), "no name member: empty, not null");
        Assert.That(result.SupportedCommands[0].Enabled, Is.True);
    }

    [Test]
    public async Task Numbers_of_other_kinds_are_protocol_errors_or_absent_values_not_InvalidOperationExceptions()
    {
        byte[][] turns = FuzzFindingInputs.Turns("guest-agent-numbers-of-other-kinds.bin");
        var agent = new FakeGuestAgent();
        await using GuestAgentClient client = await ConnectAsync(agent, turns[0]);
        Assert.That(await AnswerAsync(agent, client.PingAsync().ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default), turns[1]), Is.True);
        await AnswerAsync(agent, client.GetInfoAsync(), turns[2]);
        await AnswerAsync(agent, client.GetOsInfoAsync(), turns[3]);

        // "pid": "4242" (a string)
        var exec = await AnswerAsync(agent, Capture(client.ExecAsync("/bin/echo")), turns[4]);
        Assert.That(exec, Is.TypeOf<GuestAgentProtocolException>().And.Message.Contains("without a pid"));
        // "exitcode": "0" (a string), "signal": 1.5: not integers, so absent
        GuestExecStatus status = await AnswerAsync(agent, client.GetExecStatusAsync(4242), turns[5]);
        Assert.That((status.Exited, status.ExitCode, status.Signal), Is.EqualTo((true, (int?)null, (int?)null)));
        // {} for a handle
        var open = await AnswerAsync(agent, Capture(client.OpenFileAsync("/etc/hostname")), turns[6]);
        Assert.That(open, Is.TypeOf<GuestAgentProtocolException>().And.Message.Contains("not a handle"));
        GuestFileChunk chunk = await AnswerAsync(agent, client.ReadFileAsync(1000, 4096), turns[7]);
        Assert.That(chunk.Data, Is.EqualTo("hello"u8.ToArray()));
        // "count": "5" (a string)
        var write = await AnswerAsync(agent, Capture(client.WriteFileAsync(1000, "hello"u8.ToArray())), turns[8]);
        Assert.That(write, Is.TypeOf<GuestAgentProtocolException>().And.Message.Contains("without a count"));
    }

    /// <summary>The exception <paramref name="command"/> fails with, or null.</summary>
    private static async Task<Exception?> Capture<T>(Task<T> command)
    {
        try
        {
            await command;
            return null;
        }
#pragma warning disable CA1031 // The test asserts on whatever was thrown.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }
}
