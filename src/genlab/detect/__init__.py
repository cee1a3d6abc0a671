"""Object detection on KITTI: label parsing, conversion to the YOLO layout, synthetic
KITTI-format scenes, the official KITTI 2-D evaluation, a COCO cross-check and a thin
ultralytics wrapper. Only `yolo.py` (and what calls it) imports ultralytics."""
