using SparseVirt.Interop;

namespace SparseVirt.Tests.Interop;

public class ErrnoTests
{
    [Test]
    public void A_missing_path_becomes_FileNotFoundException_naming_the_path_the_operation_and_the_errno()
    {
        Exception error = Errno.ToException(Errno.ENOENT, "Cannot query", "/no/such/file");

        Assert.That(error, Is.TypeOf<FileNotFoundException>());
        Assert.That(((FileNotFoundException)error).FileName, Is.EqualTo("/no/such/file"));
        Assert.That(error.Message, Does.StartWith("Cannot query '/no/such/file': ").And.EndWith("(ENOENT, errno 2)."));
    }

    [TestCase(Errno.EACCES, "EACCES")]
    [TestCase(Errno.EPERM, "EPERM")]
    public void A_refusal_becomes_UnauthorizedAccessException(int errno, string name)
    {
        Exception error = Errno.ToException(errno, "Cannot open", "/dev/kvm");

        Assert.That(error, Is.TypeOf<UnauthorizedAccessException>());
        Assert.That(error.Message, Does.Contain("'/dev/kvm'").And.Contain($"({name}, errno {errno})"));
    }

    [Test]
    public void Other_errors_become_IOException_carrying_the_errno()
    {
        Exception error = Errno.ToException(Errno.ENOSPC, "copy_file_range failed at output byte 4096");

        Assert.That(error, Is.TypeOf<IOException>());
        Assert.That(error.HResult, Is.EqualTo(Errno.ENOSPC));
        Assert.That(error.Message, Does.StartWith("copy_file_range failed at output byte 4096: ").And.EndWith("(ENOSPC, errno 28)."));
    }

    [Test]
    public void A_missing_path_without_a_path_is_an_IOException_and_an_unknown_errno_shows_its_number()
    {
        Assert.That(Errno.ToException(Errno.ENOENT, "lseek failed"), Is.TypeOf<IOException>());
        Assert.That(Errno.ToException(Errno.ENOTDIR, "Cannot query", "/etc/passwd/x"), Is.TypeOf<DirectoryNotFoundException>());
        Assert.That(Errno.ToException(Errno.ENAMETOOLONG, "Cannot query", "x"), Is.TypeOf<PathTooLongException>());
        Assert.That(Errno.ToException(4095, "ioctl failed").Message, Does.EndWith("(errno 4095)."));
        Assert.That(Errno.Name(4095), Is.Null);
    }
}
