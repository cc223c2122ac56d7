namespace SparseVirt.Qemu.GuestAgent;

/// <summary>The state of a process started with <c>guest-exec</c> (<c>guest-exec-status</c>), its output decoded from base64.</summary>
/// <param name="Exited">Whether the process has ended.</param>
/// <param name="ExitCode">Its exit code once ended normally, else <see langword="null"/>.</param>
/// <param name="Signal">The signal that ended it, else <see langword="null"/>.</param>
/// <param name="StandardOutput">What it wrote to stdout (when captured).</param>
/// <param name="StandardError">What it wrote to stderr (when captured).</param>
public sealed record GuestExecStatus(bool Exited, int? ExitCode, int? Signal, byte[] StandardOutput, byte[] StandardError);

/// <summary>A chunk read with <c>guest-file-read</c>.</summary>
/// <param name="Data">The bytes read.</param>
/// <param name="EndOfFile">Whether the end of the file was reached.</param>
public sealed record GuestFileChunk(byte[] Data, bool EndOfFile);
