#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
echo "TAP version 13"
echo "1..0 # SKIP placeholder"
exit 4
