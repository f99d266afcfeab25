"""Tests of the rig itself: DHCP server vs real client, reports, topology."""
