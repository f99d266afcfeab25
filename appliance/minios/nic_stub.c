/*
 * nic_stub.c - placeholder NIC layer for minios until netfront lands.
 *
 * hyp_nic_count() counts the vifs the toolstack announced under
 * ~/device/vif/; hyp_nic_open() says on the console that there is no
 * driver yet and fails with HYP_EIO. The netfront issue replaces this
 * whole file (appliance/netfront/ implements the same functions).
 * Not here: any frame I/O.
 */
#include <minios/os.h>
#include <minios/xenbus.h>
#include <minios/console.h>
#include <rumpnet/hyper.h>

int hyp_nic_count(void)
{
	char **names;
	unsigned int n;
	int err = xenbus_directory(0, "device/vif", &names, &n);

	if (err)
		return 0;
	hyp_free(names);
	return (int)n;
}

int hyp_nic_open(int index, hyp_nic_rx_fn rx, void *arg,
		 struct hyp_nic **out, struct hyp_nic_info *info)
{
	(void)rx;
	(void)arg;
	(void)out;
	(void)info;
	if (index < 0 || index >= hyp_nic_count())
		return HYP_ENOENT;
	printk("minios: hyp_nic_open(%d): no netfront driver in this image"
	       " (nic_stub.c)\n", index);
	return HYP_EIO;
}

void hyp_nic_frame_done(struct hyp_nic *nic, struct hyp_frame *frame)
{
	(void)nic;
	(void)frame;
}

int hyp_nic_xmit(struct hyp_nic *nic, const struct hyp_iovec *iov,
		 int iovcnt, int flags)
{
	(void)nic;
	(void)iov;
	(void)iovcnt;
	(void)flags;
	return HYP_ENOTCONN;
}

void hyp_nic_flush(struct hyp_nic *nic)
{
	(void)nic;
}

void hyp_nic_get_counters(struct hyp_nic *nic, struct hyp_nic_counters *c)
{
	(void)nic;
	*c = (struct hyp_nic_counters){ 0 };
}

void hyp_nic_close(struct hyp_nic *nic)
{
	(void)nic;
}
